"""Gamification: the caller's game card, badges, streak freezes and themes, and leaderboards."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Header, Path, Query
from pydantic import BaseModel, Field

from api.deps import ConnDep, StateDep, UserDep
from api.error_responses import error_responses
from api.schemas import PublicModel
from tutor.classes.classes import get_class
from tutor.gamification import badge_awards, game_profile, leaderboards, shop
from tutor.gamification.badges import CATALOGUE, Criterion
from tutor.gamification.overview import overview
from tutor.gamification.rules import DAILY_XP_CAP, MAX_STREAK_FREEZES, STREAK_FREEZE_SPARKS
from tutor.study.profile import get_profile

router = APIRouter(tags=["gamification"], responses=error_responses(400, 401, 422))

RequestKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=120,
        description="Any unique string per purchase: a retried request with it buys once.",
    ),
]


class LevelPublic(PublicModel):
    """Level, title and the XP bar to the next level."""

    level: int
    title: str
    xp: int
    level_xp: int
    next_level_xp: int
    progress: float


class GameStreakPublic(PublicModel):
    """Consecutive study days, freezes included, and the freezes held."""

    current: int
    longest: int
    studied_today: bool
    freezes: int
    max_freezes: int
    freeze_price_sparks: int


class GamePublic(PublicModel):
    """The caller's game card."""

    level: LevelPublic
    crystals: int
    sparks: int
    streak: GameStreakPublic
    xp_today: int
    daily_xp_cap: int
    badges_earned: int
    theme: str
    leaderboard_opt_out: bool
    ledger_matches: bool = Field(description="The cached XP total equals the ledger's sum.")


@router.get("/gamification/me")
async def my_game(user: UserDep, conn: ConnDep) -> GamePublic:
    """Level, XP, currencies, streak and today's XP against the daily cap."""
    card = await overview(conn, user.user_id, datetime.now(UTC))
    s = card.standing
    return GamePublic(
        level=LevelPublic(
            level=s.level,
            title=s.title,
            xp=s.xp,
            level_xp=s.level_xp,
            next_level_xp=s.next_level_xp,
            progress=s.progress,
        ),
        crystals=card.game.crystals,
        sparks=card.game.sparks,
        streak=GameStreakPublic(
            current=card.streak.current,
            longest=card.streak.longest,
            studied_today=card.streak.studied_today,
            freezes=card.game.streak_freezes,
            max_freezes=MAX_STREAK_FREEZES,
            freeze_price_sparks=STREAK_FREEZE_SPARKS,
        ),
        xp_today=card.xp_today,
        daily_xp_cap=DAILY_XP_CAP,
        badges_earned=card.badges,
        theme=card.game.theme,
        leaderboard_opt_out=card.game.leaderboard_opt_out,
        ledger_matches=card.ledger_matches,
    )


class RewardPublic(PublicModel):
    """What earning a badge pays."""

    xp: int
    crystals: int
    sparks: int


class BadgePublic(PublicModel):
    """A badge of the catalogue: earned or locked, with the caller's progress towards it."""

    badge: str
    name: str
    description: str
    rarity: str
    icon: str
    reward: RewardPublic
    earned: bool
    progress: int
    goal: int


@router.get("/gamification/badges")
async def badges(user: UserDep, conn: ConnDep) -> list[BadgePublic]:
    """Every badge, earned ones first, each with the caller's progress towards it."""
    today = (await get_profile(conn, user.user_id)).today(datetime.now(UTC))
    held = await badge_awards.earned(conn, user.user_id)
    listed = []
    measured: dict[Criterion, int] = {}
    for badge in CATALOGUE:
        criterion = badge.criterion
        if criterion not in measured:
            measured[criterion] = await badge_awards.measure(conn, user.user_id, today, criterion)
        progress = min(measured[badge.criterion], badge.criterion.count)
        data = badge_awards.badge_data(badge)
        listed.append(
            BadgePublic.model_validate(
                {
                    **data,
                    "earned": badge.key in held,
                    "progress": progress,
                    "goal": badge.criterion.count,
                }  # fmt: skip
            )
        )
    return sorted(listed, key=lambda b: not b.earned)


class FreezesPublic(PublicModel):
    """Streak freezes held after a purchase, and the sparks left."""

    freezes: int
    sparks: int


@router.post("/gamification/streak-freezes", responses=error_responses(409))
async def buy_streak_freeze(user: UserDep, conn: ConnDep, request_key: RequestKey) -> FreezesPublic:
    """Spend sparks on a streak freeze (at most 2 held); 409 `not_enough_currency` or
    `streak_freezes_full`."""
    held = await shop.buy_streak_freeze(conn, user.user_id, f"freeze:{request_key}")
    game = await game_profile.get(conn, user.user_id)
    return FreezesPublic(freezes=held, sparks=game.sparks)


class ThemePublic(PublicModel):
    """A profile theme, its price, and whether the caller has it."""

    key: str
    name: str
    crystals: int
    unlocked: bool
    active: bool


@router.get("/gamification/themes")
async def themes(user: UserDep, conn: ConnDep) -> list[ThemePublic]:
    """Every theme, with what the caller has unlocked and uses."""
    unlocked = await shop.unlocked_themes(conn, user.user_id)
    active = (await game_profile.get(conn, user.user_id)).theme
    return [
        ThemePublic(
            key=t.key,
            name=t.name,
            crystals=t.crystals,
            unlocked=t.key in unlocked,
            active=t.key == active,
        )
        for t in shop.THEMES
    ]


ThemeKey = Annotated[str, Field(min_length=1, max_length=40)]


@router.post("/gamification/themes/{key}/unlock", responses=error_responses(404, 409))
async def unlock_theme(
    key: Annotated[str, Path(max_length=40)], user: UserDep, conn: ConnDep
) -> list[ThemePublic]:
    """Spend crystals on a theme (free when already unlocked)."""
    await shop.unlock_theme(conn, user.user_id, key)
    return await themes(user, conn)


class SettingsUpdate(BaseModel):
    """Game preferences; omitted fields are kept."""

    leaderboard_opt_out: bool | None = None
    theme: ThemeKey | None = None


@router.patch("/gamification/me", responses=error_responses(404, 409))
async def update_game(
    body: SettingsUpdate, user: UserDep, conn: ConnDep, state: StateDep
) -> GamePublic:
    """Opt out of (or back into) the leaderboards, or pick an unlocked theme."""
    if body.theme is not None:
        await shop.use_theme(conn, user.user_id, body.theme)
    if body.leaderboard_opt_out is not None:
        await game_profile.set_opt_out(conn, user.user_id, body.leaderboard_opt_out)
        await leaderboards.refresh_user(
            conn, state.redis, user.user_id, state.leaderboard_zone, datetime.now(UTC)
        )
    return await my_game(user, conn)


class EntryPublic(PublicModel):
    """One row of a board: display names only."""

    rank: int
    display_name: str
    xp: int
    me: bool


class BoardPublic(PublicModel):
    """A board's top, and the caller's rank with their neighbours ("around me")."""

    scope: str
    period: str
    key: str
    timezone: str
    top: list[EntryPublic]
    around: list[EntryPublic]
    my_rank: int | None
    my_xp: int
    opted_out: bool


@router.get("/leaderboards", responses=error_responses(404))
async def leaderboard(
    user: UserDep,
    conn: ConnDep,
    state: StateDep,
    period: Annotated[Literal["day", "week", "month", "all"], Query()] = "week",
    class_id: Annotated[
        UUID | None, Query(description="A class of the caller's: its board, in its zone.")
    ] = None,
    top: Annotated[int, Query(ge=1, le=100)] = 50,
    around: Annotated[int, Query(ge=0, le=25)] = 5,
) -> BoardPublic:
    """Students ranked by XP earned in the period (in the board's time zone); opted-out
    students are not listed but see where they would stand. With `class_id`: the class's
    students only (404 unless the caller teaches or attends it)."""
    scope, zone = "global", state.leaderboard_zone
    if class_id is not None:
        found = await get_class(conn, user.user_id, class_id)
        scope, zone = leaderboards.class_scope(found.id), ZoneInfo(found.timezone)
    board = await leaderboards.read_board(
        conn, state.redis, user.user_id, scope, period, zone, datetime.now(UTC), top, around
    )
    return BoardPublic.model_validate({**asdict(board), "timezone": str(zone)})
