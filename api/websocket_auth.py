"""Who is on the other end of a websocket: a single-use ticket (browsers) or a bearer header.

Access tokens are never read from the URL: uvicorn logs every path with its query string.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import WebSocket
from redis.exceptions import RedisError

from api.errors import WS_INTERNAL_ERROR, WS_TOO_MANY_SOCKETS, WS_UNAUTHORIZED
from api.state import AppState
from tutor.accounts.auth import TokenClaims, decode_token
from tutor.accounts.users import token_holder
from tutor.accounts.ws_tickets import redeem_ticket
from tutor.errors import InvalidToken

log = logging.getLogger(__name__)


async def websocket_claims(websocket: WebSocket, state: AppState) -> TokenClaims:
    """Claims from a `ticket` query parameter or an `Authorization: Bearer` header."""
    ticket = websocket.query_params.get("ticket")
    if ticket:
        claims = await redeem_ticket(state.redis, ticket)
        if claims is None:
            raise InvalidToken("invalid, expired or already used ticket")
        return claims
    scheme, _, token = websocket.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return decode_token(state.jwt_key, token.strip())
    raise InvalidToken("missing ticket or bearer token")


async def accept_authenticated(websocket: WebSocket, state: AppState) -> TokenClaims | None:
    """Accept the socket and return its caller; on failure close it (4401 or 1011) with None."""
    # Accept first: a close before the handshake reaches browsers as a bare 403/1006.
    await websocket.accept()
    try:
        claims = await websocket_claims(websocket, state)
        async with state.pool.connection() as conn:
            return await token_holder(conn, claims)
    except InvalidToken as exc:
        await websocket.close(code=WS_UNAUTHORIZED, reason=exc.message)
    except (RedisError, OSError) as exc:
        log.warning("websocket ticket not checked, Redis unavailable: %s", exc)
        await websocket.close(code=WS_INTERNAL_ERROR, reason="tickets unavailable; retry")
    return None


@contextlib.asynccontextmanager
async def opened_socket(websocket: WebSocket, state: AppState) -> AsyncIterator[TokenClaims | None]:
    """Accept and authenticate the socket and hold one of its user's slots while it is open.

    None: the socket is already closed (4401, 1011, or 4429 when the user holds too many).
    """
    claims = await accept_authenticated(websocket, state)
    if claims is not None and not state.sockets.take(claims.user_id):
        limit = state.sockets.limit
        await websocket.close(WS_TOO_MANY_SOCKETS, f"at most {limit} open sockets per user")
        claims = None
    if claims is None:
        yield None
        return
    try:
        yield claims
    finally:
        state.sockets.release(claims.user_id)
