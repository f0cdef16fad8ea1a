"""Leaderboards: students ranked by the XP they earned in a period (today, this week, this
month, all time, in the board's time zone), served from Redis sorted sets.

PostgreSQL is the truth. After each award a student's period totals are read from the ledger
and written to the boards as absolute scores (so a retried or reordered refresh cannot
double-count), but only to boards that exist: a board missing from Redis (a flush, a restart,
a new week) is rebuilt from the ledger on its first read. Opted-out students are on no board.
Scopes: "global", in the service's leaderboard zone, and "class:<id>", the same board over the
class's current students in the class's zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID
from zoneinfo import ZoneInfo

from psycopg import AsyncConnection
from redis.asyncio import Redis
from redis.asyncio.client import Pipeline

from tutor.gamification.periods import Period, PeriodWindow, expiry, window

PERIODS: tuple[Period, ...] = ("day", "week", "month", "all")
PREFIX = "tutor:lb"
# Display names of the students on the boards, so that a read needs no SQL: filled by rebuilds
# and on a miss, an entry dropped when its student renames (`tutor.outbox.name_changed`). The
# hash expires a day after it was started, which bounds what a lost drop can leave stale.
NAMES_KEY = f"{PREFIX}:names"
NAMES_TTL_S = 86_400
EXPIRE_ONCE = """
if redis.call('TTL', KEYS[1]) == -1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return 1
"""
REBUILD_CHUNK = 10_000
# Awards whose refresh may have raced a rebuild (skipped while the board was missing) are
# re-applied after it: those of the last minute.
RACE_MARGIN = timedelta(minutes=1)

# Write each absolute score only where its board exists (KEYS: board, marker, board, ...); a
# board lists only students with XP in its period, as a rebuild does.
SET_SCORES = """
for i = 1, #KEYS, 2 do
  local score = ARGV[(i + 1) / 2 + 1]
  if redis.call('EXISTS', KEYS[i + 1]) == 1 then
    if tonumber(score) > 0 then
      redis.call('ZADD', KEYS[i], score, ARGV[1])
    else
      redis.call('ZREM', KEYS[i], ARGV[1])
    end
  end
end
return 1
"""


def board_key(scope: str, span: PeriodWindow) -> str:
    """The sorted set of one scope's board for one period."""
    return f"{PREFIX}:{scope}:{span.period}:{span.key}"


def marker_key(board: str) -> str:
    """Present once the board was built from the ledger (an empty board is still built)."""
    return f"{board}:built"


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of a board."""

    rank: int
    display_name: str
    xp: int
    me: bool


@dataclass(frozen=True, slots=True)
class Board:
    """The top of a board, the caller's own standing and their neighbours."""

    scope: str
    period: Period
    key: str
    top: list[Entry]
    around: list[Entry]
    my_rank: int | None
    my_xp: int
    opted_out: bool


PERIOD_TOTALS_OF = """
SELECT u.id, t.day, t.week, t.month, coalesce(g.xp, 0)::bigint,
       coalesce(g.leaderboard_opt_out, false)
FROM unnest(%(ids)s::uuid[]) u (id)
LEFT JOIN game_profiles g ON g.user_id = u.id
CROSS JOIN LATERAL (
    SELECT coalesce(sum(e.amount) FILTER (WHERE e.awarded_at >= %(day)s
                                            AND e.awarded_at < %(day_end)s), 0)::bigint AS day,
           coalesce(sum(e.amount) FILTER (WHERE e.awarded_at >= %(week)s
                                            AND e.awarded_at < %(week_end)s), 0)::bigint AS week,
           coalesce(sum(e.amount) FILTER (WHERE e.awarded_at >= %(month)s
                                            AND e.awarded_at < %(month_end)s), 0)::bigint AS month
    FROM xp_events e
    WHERE e.user_id = u.id AND e.awarded_at >= least(%(week)s, %(month)s)
) t
"""


def _window_params(windows: dict[Period, PeriodWindow]) -> dict[str, datetime | None]:
    """Each period's [start, end), as PERIOD_TOTALS_OF takes them: the same bounds a board's
    rebuild sums over, so a refresh and a rebuild agree even on an event stamped later than
    now (a clock ahead on another server, an imported record)."""
    params: dict[str, datetime | None] = {}
    for period in ("day", "week", "month"):
        params[period], params[f"{period}_end"] = windows[period].start, windows[period].end
    return params


async def period_totals(
    conn: AsyncConnection, user_id: UUID, windows: dict[Period, PeriodWindow]
) -> tuple[dict[Period, int], bool]:
    """The student's XP in each current period, and whether they opted out."""
    params = {"ids": [user_id], **_window_params(windows)}
    cur = await conn.execute(PERIOD_TOTALS_OF, params)
    row = await cur.fetchone()
    assert row is not None  # one row per id asked for, earned or not
    _, day, week, month, total, opted_out = row
    return {"day": day, "week": week, "month": month, "all": total}, bool(opted_out)


OPTED_OUT = "SELECT leaderboard_opt_out FROM game_profiles WHERE user_id = %(user_id)s"


async def opted_out_of_boards(conn: AsyncConnection, user_id: UUID) -> bool:
    """Whether the student left the leaderboards."""
    cur = await conn.execute(OPTED_OUT, {"user_id": user_id})
    row = await cur.fetchone()
    return bool(row and row[0])


def current_windows(now: datetime, zone: ZoneInfo) -> dict[Period, PeriodWindow]:
    """Each period's window holding `now`."""
    return {period: window(period, now, zone) for period in PERIODS}


CLASS_BOARDS = """
SELECT m.user_id, m.class_id, c.timezone
FROM class_members m JOIN classes c ON c.id = m.class_id
WHERE m.user_id = ANY(%(ids)s::uuid[]) AND c.archived_at IS NULL
"""


def class_scope(class_id: UUID) -> str:
    """The scope of a class's boards."""
    return f"class:{class_id}"


async def refresh_user(
    conn: AsyncConnection, redis: Redis, user_id: UUID, zone: ZoneInfo, now: datetime
) -> None:
    """Write the student's current totals to every built board they belong on (or take them
    off every board when they opted out)."""
    await refresh_users(conn, redis, [user_id], zone, now)


async def refresh_users(
    conn: AsyncConnection, redis: Redis, user_ids: list[UUID], zone: ZoneInfo, now: datetime
) -> None:
    """`refresh_user` for many students, in one Redis round trip."""
    async with redis.pipeline(transaction=False) as pipe:
        await queue_refresh(conn, pipe, user_ids, zone, now)
        await pipe.execute()


async def queue_refresh(
    conn: AsyncConnection, pipe: Pipeline, user_ids: list[UUID], zone: ZoneInfo, now: datetime
) -> None:
    """Read the students' boards and totals (one round trip, and one more per other time zone
    of their classes' boards) and queue the writes that refresh them on `pipe`."""
    boards, totals, opted_out = await _boards_and_totals(conn, user_ids, zone, now)
    for user_id, scopes in boards.items():
        for scope, scope_zone in scopes:
            windows = current_windows(now, scope_zone)
            keys = [board_key(scope, windows[p]) for p in PERIODS]
            if user_id in opted_out:
                for board in keys:
                    pipe.zrem(board, str(user_id))
                continue
            both = [key for board in keys for key in (board, marker_key(board))]
            scores = [str(totals[(user_id, scope_zone.key)][p]) for p in PERIODS]
            pipe.eval(SET_SCORES, len(both), *both, str(user_id), *scores)


# Each student's boards (scope and zone), and their totals per (student, zone key).
Scopes = dict[UUID, list[tuple[str, ZoneInfo]]]
Totals = dict[tuple[UUID, str], dict[Period, int]]


async def _boards_and_totals(
    conn: AsyncConnection, user_ids: list[UUID], zone: ZoneInfo, now: datetime
) -> tuple[Scopes, Totals, set[UUID]]:
    """Each student's boards, their period totals in each zone of those boards, and who opted
    out. The global zone's totals are read with the class boards, before knowing them: every
    student has that board."""
    params = {"ids": user_ids, **_window_params(current_windows(now, zone))}
    async with conn.pipeline():
        classes = await conn.execute(CLASS_BOARDS, {"ids": user_ids})
        global_totals = conn.cursor()
        await global_totals.execute(PERIOD_TOTALS_OF, params)
    boards: Scopes = {u: [("global", zone)] for u in user_ids}
    for user_id, class_id, class_zone in await classes.fetchall():
        boards[user_id].append((class_scope(class_id), ZoneInfo(class_zone)))
    by_zone: dict[str, set[UUID]] = {}
    for user_id, scopes in boards.items():
        for _, scope_zone in scopes:
            if scope_zone.key != zone.key:
                by_zone.setdefault(scope_zone.key, set()).add(user_id)
    totals: Totals = {}
    opted_out: set[UUID] = set()
    rows = [(zone.key, row) for row in await global_totals.fetchall()]
    for zone_key, users in by_zone.items():
        windows = current_windows(now, ZoneInfo(zone_key))
        params = {"ids": list(users), **_window_params(windows)}
        cur = await conn.execute(PERIOD_TOTALS_OF, params)
        rows += [(zone_key, row) for row in await cur.fetchall()]
    for zone_key, (user_id, day, week, month, total, out) in rows:
        totals[(user_id, zone_key)] = {"day": day, "week": week, "month": month, "all": total}
        if out:
            opted_out.add(user_id)
    return boards, totals, opted_out


async def leave_scope(
    redis: Redis, user_id: UUID, scope: str, zone: ZoneInfo, now: datetime
) -> None:
    """Take a student off a scope's current boards (they left or were removed from a class)."""
    windows = current_windows(now, zone)
    async with redis.pipeline(transaction=False) as pipe:
        for period in PERIODS:
            pipe.zrem(board_key(scope, windows[period]), str(user_id))
        await pipe.execute()


# A period board from the ledger; the all-time board from the cached totals (checked against
# the ledger by `xp.ledger_xp`), which spares summing every row ever written.
# A class's boards hold its current students only.
PERIOD_BOARD = """
SELECT e.user_id::text, sum(e.amount)::bigint, coalesce(min(u.display_name), 'Student')
FROM xp_events e JOIN users u ON u.id = e.user_id
WHERE e.awarded_at >= %(start)s AND e.awarded_at < %(end)s
  AND NOT EXISTS (SELECT 1 FROM game_profiles g
                  WHERE g.user_id = e.user_id AND g.leaderboard_opt_out)
  AND (%(class_id)s::uuid IS NULL
       OR e.user_id IN (SELECT user_id FROM class_members WHERE class_id = %(class_id)s))
GROUP BY e.user_id
"""
ALL_TIME_BOARD = """
SELECT g.user_id::text, g.xp, coalesce(u.display_name, 'Student')
FROM game_profiles g JOIN users u ON u.id = g.user_id
WHERE NOT g.leaderboard_opt_out AND g.xp > 0
  AND (%(class_id)s::uuid IS NULL
       OR g.user_id IN (SELECT user_id FROM class_members WHERE class_id = %(class_id)s))
"""
RECENT_EARNERS = """
SELECT DISTINCT user_id FROM xp_events WHERE awarded_at >= %(since)s
"""


async def rebuild(
    conn: AsyncConnection, redis: Redis, scope: str, period: Period, zone: ZoneInfo, now: datetime
) -> None:
    """Build one board from PostgreSQL, swap it in whole, then re-apply the last minute's
    earners (whose refresh may have found no board while this one was being built)."""
    span = window(period, now, zone)
    board = board_key(scope, span)
    staging = f"{board}:staging"
    class_id = scope.removeprefix("class:") if scope.startswith("class:") else None
    params = {"start": span.start, "end": span.end, "class_id": class_id}
    query = ALL_TIME_BOARD if span.end is None else PERIOD_BOARD
    await redis.delete(staging)
    members = 0
    async with conn.cursor() as cur:
        await cur.execute(query, params)
        while rows := await cur.fetchmany(REBUILD_CHUNK):
            earned = [(member, score, name) for member, score, name in rows if score > 0]
            if earned:
                async with redis.pipeline(transaction=False) as pipe:  # one round trip a chunk
                    pipe.zadd(staging, {member: score for member, score, _ in earned})
                    pipe.hset(NAMES_KEY, mapping={member: name for member, _, name in earned})
                    added, _ = await pipe.execute()
                members += added
    ttl = expiry(span, now)
    marker = marker_key(board)
    async with redis.pipeline(transaction=True) as pipe:
        if members:
            pipe.rename(staging, board)
        else:
            pipe.delete(board)
        pipe.set(marker, now.isoformat())
        pipe.eval(EXPIRE_ONCE, 1, NAMES_KEY, str(NAMES_TTL_S))
        if ttl is not None:
            pipe.expire(board, ttl)
            pipe.expire(marker, ttl)
        await pipe.execute()
    cur = await conn.execute(RECENT_EARNERS, {"since": now - RACE_MARGIN})
    # One batch: a busy minute has thousands of earners, and a round trip each took seconds.
    earners = [user_id for (user_id,) in await cur.fetchall()]
    if earners:
        await refresh_users(conn, redis, earners, zone, now)


# A board read in one round trip: whether it is built, its top, the caller's rank, the caller's
# neighbours, and the cached display names of everyone listed (KEYS: board, marker, names;
# ARGV: the caller, top, around). Ranks are 0-based, -1 for off the board.
READ_BOARD = """
if redis.call('EXISTS', KEYS[2]) == 0 then return {0} end
local first = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1, 'WITHSCORES')
local rank = redis.call('ZREVRANK', KEYS[1], ARGV[1])
local near = {}
if rank then
  local around = tonumber(ARGV[3])
  near = redis.call('ZREVRANGE', KEYS[1], math.max(0, rank - around), rank + around, 'WITHSCORES')
else
  rank = -1
end
local members, seen = {}, {}
for _, rows in ipairs({first, near}) do
  for i = 1, #rows, 2 do
    if not seen[rows[i]] then
      seen[rows[i]] = true
      members[#members + 1] = rows[i]
    end
  end
end
local names = {}
if #members > 0 then names = redis.call('HMGET', KEYS[3], unpack(members)) end
return {1, first, rank, near, members, names}
"""
NAMES = """
SELECT id::text, coalesce(display_name, 'Student') FROM users WHERE id = ANY(%(ids)s::uuid[])
"""

Rows = list[tuple[str, float]]


@dataclass(frozen=True, slots=True)
class _Read:
    """What one READ_BOARD call found on a built board."""

    first: Rows
    rank: int | None
    near: Rows
    names: dict[str, str | None]


async def read_board(
    conn: AsyncConnection,
    redis: Redis,
    user_id: UUID,
    scope: str,
    period: Period,
    zone: ZoneInfo,
    now: datetime,
    top: int = 50,
    around: int = 5,
) -> Board:
    """The board's top `top`, and the caller's rank with `around` neighbours each side
    (rebuilt from the ledger first when Redis has no such board). A warm read of a caller on
    the board is one Redis round trip and no SQL."""
    span = window(period, now, zone)
    board = board_key(scope, span)
    me = str(user_id)
    found = await _read(redis, board, me, top, around)
    if found is None:
        await rebuild(conn, redis, scope, period, zone, now)
        found = await _read(redis, board, me, top, around) or _Read([], None, [], {})
    my_rank: int | None
    if found.rank is not None:  # on the board: their score is there, and they did not opt out
        my_xp, opted_out, my_rank = int(dict(found.near)[me]), False, found.rank + 1
    elif not await opted_out_of_boards(conn, user_id):
        my_xp, opted_out, my_rank = 0, False, None  # a board lists everyone with XP in it
    else:  # off the board by choice: their XP from the ledger, and where they would stand
        totals, opted_out = await period_totals(conn, user_id, current_windows(now, zone))
        my_xp = totals[period]
        my_rank = await redis.zcount(board, f"({my_xp}", "+inf") + 1
    names = await _complete_names(conn, redis, found.names)
    start = max(0, found.rank - around) if found.rank is not None else 0
    return Board(
        scope=scope,
        period=period,
        key=span.key,
        top=_entries(found.first, 0, names, me),
        around=_entries(found.near, start, names, me),
        my_rank=my_rank,
        my_xp=my_xp,
        opted_out=opted_out,
    )


async def _read(redis: Redis, board: str, me: str, top: int, around: int) -> _Read | None:
    """One READ_BOARD call; None when the board is not built."""
    reply = await redis.eval(  # type: ignore[misc]  # redis-py types eval as sync or async
        READ_BOARD, 3, board, marker_key(board), NAMES_KEY, me, str(top), str(around)
    )
    if not reply[0]:
        return None
    _, first, rank, near, members, names = reply
    return _Read(
        _pairs(first),
        None if rank < 0 else int(rank),
        _pairs(near),
        {_text(m): None if n is None else _text(n) for m, n in zip(members, names, strict=True)},
    )


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _pairs(flat: list[bytes]) -> Rows:
    """[member, score, member, score...] as (member, score) pairs."""
    return [(_text(flat[i]), float(flat[i + 1])) for i in range(0, len(flat), 2)]


async def _complete_names(
    conn: AsyncConnection, redis: Redis, cached: dict[str, str | None]
) -> dict[str, str]:
    """The display names, those not cached read from PostgreSQL and cached."""
    names = {user: name for user, name in cached.items() if name is not None}
    missing = sorted(user for user, name in cached.items() if name is None)
    if not missing:
        return names
    cur = await conn.execute(NAMES, {"ids": missing})
    found = {str(user): str(name) for user, name in await cur.fetchall()}
    if found:
        async with redis.pipeline(transaction=False) as pipe:
            pipe.hset(NAMES_KEY, mapping=found)
            pipe.eval(EXPIRE_ONCE, 1, NAMES_KEY, str(NAMES_TTL_S))
            await pipe.execute()
    return names | found


def forget_names(pipe: Pipeline, user_ids: set[UUID]) -> None:
    """Queue dropping cached display names (after a rename is committed) on `pipe`."""
    if user_ids:
        pipe.hdel(NAMES_KEY, *map(str, user_ids))


def _entries(rows: Rows, offset: int, names: dict[str, str], me: str) -> list[Entry]:
    return [
        Entry(offset + i + 1, names.get(user, "Student"), int(score), user == me)
        for i, (user, score) in enumerate(rows)
    ]
