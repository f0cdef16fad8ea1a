"""Who is on the other end of a websocket: a single-use ticket (browsers) or a bearer header.

Access tokens are never read from the URL: uvicorn logs every path with its query string.
"""

from __future__ import annotations

import logging

from fastapi import WebSocket
from redis.exceptions import RedisError

from api.errors import WS_INTERNAL_ERROR, WS_UNAUTHORIZED
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
