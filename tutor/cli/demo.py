"""`tutor up --demo`: a demo student with a few notes, ready to search."""

from __future__ import annotations

from importlib import resources

from ingestion.queue import connect_redis
from ingestion.uploads import UploadLimits, accept_upload
from tutor.accounts import users
from tutor.database import open_pool
from tutor.errors import EmailTaken
from tutor.settings import Settings

DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password"


async def seed_demo(settings: Settings, base_url: str) -> int:
    """Create the demo account (once) and upload the bundled notes; prints how to try it."""
    assert settings.database_url and settings.redis_url
    pool = await open_pool(settings.database_url, max_size=1)
    redis = connect_redis(settings.redis_url)
    limits = UploadLimits(settings.max_upload_bytes, settings.max_documents_per_user)
    try:
        async with pool.connection() as conn:
            try:
                await users.create_user(conn, DEMO_EMAIL, DEMO_PASSWORD, "student")
            except EmailTaken:
                pass
            owner = await users.get_user_by_email(conn, DEMO_EMAIL)
            notes = sorted(resources.files("tutor").joinpath("demo_notes").iterdir(), key=str)
            for note in notes:
                await accept_upload(
                    conn, redis, owner.id, note.name, note.read_bytes(), limits=limits
                )
    finally:
        await redis.aclose()
        await pool.close()
    print(DEMO_HELP.format(base=base_url, email=DEMO_EMAIL, password=DEMO_PASSWORD))
    return 0


DEMO_HELP = """
Demo account: {email} / {password} (notes on photosynthesis and Newton's laws).
  Web page:  {base}/
  API docs:  {base}/docs
  Try:       tutor search --user {email} "what does RuBisCO do?"
"""
