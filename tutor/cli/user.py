"""`tutor user create`: an account of any role, admins included; `tutor user invite-teacher`:
a teacher invite code, for installs where teacher sign-up is closed."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tutor.accounts import audit, teachers, users
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


async def invite_teacher(settings: Settings, uses: int, days: int, note: str) -> int:
    """Create a teacher invite and print its code (shown this once)."""
    async with opened(settings, pool_size=1) as resources, resources.pool.connection() as conn:
        invite = await teachers.create_invite(conn, None, uses, timedelta(days=days), note)
        details = {"invite_id": str(invite.id), "max_uses": uses, "note": note, "via": "cli"}
        await audit.record(conn, audit.INVITE_CREATED, audit.Origin(), details=details)
    print(f"teacher invite code: {invite.code}")
    print(f"usable {uses} time(s) until {invite.expires_at:%Y-%m-%d %H:%M %Z}")
    return 0
