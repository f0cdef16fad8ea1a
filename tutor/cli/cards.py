"""`tutor cards optimize`: fit a student's FSRS parameters to their review log, here and now."""

from __future__ import annotations

from tutor.accounts import users
from tutor.errors import TutorError
from tutor.resources import opened
from tutor.settings import Settings
from tutor.study import fsrs_optimizer


async def optimize_cards(settings: Settings, email: str) -> int:
    """Run the optimizer for the user in this process and print the log-loss it bought."""
    async with opened(settings, pool_size=2) as resources:
        try:
            async with resources.pool.connection() as conn:
                user = await users.get_user_by_email(conn, email)
                run = await fsrs_optimizer.start_optimization(conn, user.id)
        except TutorError as exc:
            print(f"error: {exc.message}")
            return 1
        fit = await fsrs_optimizer.run_optimization(resources.pool, None, run.id)
    if fit is None:
        print("error: the optimizer could not fit this log (see the run's error message)")
        return 1
    print(f"optimized {email} on {fit.reviews_used} reviews")
    print(f"log-loss: {fit.log_loss_before:.4f} with the default parameters")
    print(f"          {fit.log_loss_after:.4f} with the fitted ones")
    return 0
