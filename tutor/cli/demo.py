"""`tutor up --demo`: a demo student with a few notes, ready to search."""

from __future__ import annotations

import contextlib
from importlib.resources import files as resources_files

from ingestion.uploads import UploadLimits, accept_upload
from tutor.accounts import users
from tutor.errors import EmailTaken
from tutor.resources import opened
from tutor.settings import Settings

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"


async def seed_demo(settings: Settings, base_url: str) -> int:
    """Create the demo account (once) and upload the bundled notes; prints how to try it."""
    limits = UploadLimits(settings.max_upload_bytes, settings.max_documents_per_user)
    async with (
        opened(settings, migrate=False, pool_size=1, redis=True) as resources,
        resources.pool.connection() as conn,
    ):
        with contextlib.suppress(EmailTaken):
            await users.create_user(conn, DEMO_EMAIL, DEMO_PASSWORD, "student")
        owner = await users.get_user_by_email(conn, DEMO_EMAIL)
        notes = sorted(resources_files("tutor").joinpath("demo_notes").iterdir(), key=str)
        for note in notes:
            await accept_upload(
                conn, resources.redis, owner.id, note.name, note.read_bytes(), limits=limits
            )
    print(DEMO_HELP.format(base=base_url, email=DEMO_EMAIL, password=DEMO_PASSWORD))
    return 0


DEMO_HELP = """
Demo account: {email} / {password} (notes on photosynthesis and Newton's laws).
  Web page:  {base}/
  API docs:  {base}/docs
  Try:       tutor search --user {email} "what does RuBisCO do?"
"""
