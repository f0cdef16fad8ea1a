"""The background work besides ingestion, run by the same arq worker: jobs the API enqueues
(card suggestions, the FSRS optimizer, data exports, practice sets generated for a class) and
cron jobs (task reminders, expired exports).

Each job module exposes its coroutine; this module only lists them for the worker. A job finds
the worker's resources in `ctx["deps"]` (pool, Redis, embedder) and `ctx["settings"]`.
"""

from __future__ import annotations

from arq.cron import CronJob, cron
from arq.worker import Function, func

from tutor.accounts.data_export import (
    EXPORT_JOB,
    EXPORT_TRIES,
    export_data,
    purge_expired_exports,
)
from tutor.practice.generator import GENERATE_JOB, generate_practice
from tutor.settings import Settings
from tutor.study.card_suggester import SUGGEST_JOB, suggest_cards
from tutor.study.fsrs_optimizer import OPTIMIZE_JOB, optimize_fsrs
from tutor.study.task_reminders import send_task_reminders


def study_functions(settings: Settings) -> list[Function]:
    """The study jobs the API may enqueue on the worker's queue."""
    # A local model writes a card from a passage in tens of seconds: a 30-card job takes minutes.
    suggestions = func(suggest_cards, name=SUGGEST_JOB, timeout=settings.job_timeout_s, max_tries=3)
    optimizer = func(optimize_fsrs, name=OPTIMIZE_JOB, timeout=settings.job_timeout_s, max_tries=2)
    export = func(
        export_data, name=EXPORT_JOB, timeout=settings.job_timeout_s, max_tries=EXPORT_TRIES
    )
    # Up to 30 questions at 10-30 s each with the local model on two cores: minutes.
    practice = func(
        generate_practice, name=GENERATE_JOB, timeout=settings.job_timeout_s, max_tries=3
    )
    return [suggestions, optimizer, export, practice]


def study_cron_jobs(settings: Settings) -> list[CronJob]:
    """The study core's periodic jobs."""
    # Every minute by default; a run that overlaps the next is harmless (tasks are claimed once).
    every = settings.task_reminder_every_s
    seconds = set(range(0, 60, every))
    reminders = cron(send_task_reminders, name="task_reminders", second=seconds, timeout=55)
    purge = cron(
        purge_expired_exports, name="purge_expired_exports", minute=set(range(0, 60, 10)), second=0
    )
    return [reminders, purge]
