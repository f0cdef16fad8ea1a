"""`tutor user create`: an account of any role, admins included."""

from __future__ import annotations

from typing import Any

from tutor.accounts import users
from tutor.errors import TutorError
from tutor.resources import opened
from tutor.settings import Settings


async def create_user(settings: Settings, email: str, password: str, role: Any) -> int:
    """Create the account and print its id."""
    async with opened(settings, pool_size=1) as resources, resources.pool.connection() as conn:
        try:
            user = await users.create_user(conn, email, password, role)
        except TutorError as exc:
            print(f"error: {exc.message}")
            return 1
    print(f"created {user.role} {user.email} ({user.id})")
    return 0
