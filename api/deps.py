"""Request-scoped dependencies: state, a connection, the authenticated user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from psycopg import AsyncConnection

from api.state import AppState
from tutor import log_context, outbox
from tutor.accounts.auth import TokenClaims, decode_token
from tutor.accounts.users import token_holder
from tutor.errors import InvalidToken
from tutor.gamification.delivery import deliver


def get_state(request: Request) -> AppState:
    """The AppState built by the lifespan."""
    state: AppState = request.app.state.tutor
    return state


StateDep = Annotated[AppState, Depends(get_state)]


async def get_conn(state: StateDep) -> AsyncIterator[AsyncConnection]:
    """A pooled connection; committed when the request succeeds, rolled back otherwise. What
    the transaction queued to send (live events, leaderboard scores) goes out after the commit."""
    with outbox.collecting() as box:
        async with state.pool.connection() as conn:
            yield conn
            if box:  # committed first, then delivered on the same connection (no new checkout)
                await conn.commit()
                await deliver(box, conn, state.redis, state.leaderboard_zone)


# scope="function": the transaction ends (commits) before the response is sent, so a client
# that acts on a 2xx (reads the queue after a review, lists after a delete) sees the write.
ConnDep = Annotated[AsyncConnection, Depends(get_conn, scope="function")]

bearer = HTTPBearer(auto_error=False, description="Access token from /api/v1/auth/login")


async def current_user(
    state: StateDep,
    conn: ConnDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> TokenClaims:
    """The bearer's claims as the database has them now (one lookup by primary key); 401
    without a valid token, for an account that is gone, or after a password change or a
    sign-out everywhere."""
    if credentials is None:
        raise InvalidToken("This endpoint needs a bearer token.")
    claims = await token_holder(conn, decode_token(state.jwt_key, credentials.credentials))
    log_context.set_user(claims.user_id)
    return claims


UserDep = Annotated[TokenClaims, Depends(current_user)]
