"""Per-user and per-address request limits for routes, on top of `tutor.rate_limit`."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import Depends, Request
from fastapi.params import Depends as DependsParam

from api.deps import StateDep, UserDep
from tutor.settings import Settings

# (per user, per IP) requests a minute of each limited kind of request.
PER_MINUTE: dict[str, Callable[[Settings], tuple[int, int]]] = {
    "upload": lambda s: (s.upload_per_minute_per_user, s.upload_per_minute_per_ip),
    "search": lambda s: (s.search_per_minute_per_user, s.search_per_minute_per_ip),
}


def client_ip(request: Request) -> str:
    """The caller's address (behind a proxy, uvicorn's --proxy-headers puts the client's here)."""
    return request.client.host if request.client else "unknown"


def rate_limited(kind: str) -> DependsParam:
    """A route dependency counting the request against the caller's and its address's limits
    (429 with Retry-After past either; unlimited while Redis is down)."""
    limits = PER_MINUTE[kind]

    async def check(request: Request, state: StateDep, user: UserDep) -> None:
        per_user, per_ip = limits(state.settings)
        await state.limiter.check(kind, user.user_id, per_user)
        await state.limiter.check(f"{kind}-ip", client_ip(request), per_ip)

    dependency: DependsParam = Depends(check)
    return dependency
