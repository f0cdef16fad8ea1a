"""Every operation of `/openapi.json`, fed by Schemathesis as signed-in users: no response is a
server error, and every response (status, content type, headers, body) is one the schema
documents.

CI runs a few examples per operation from a fixed seed; `TUTOR_SCHEMA_EXAMPLES=50` (say) runs
a longer hunt by hand (with `--timeout 3600`), and the summary line on stderr gives the
operations and cases it covered.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis

# Imported here, at collection, not lazily by the first schema load: pytest rewrites this
# plugin's modules as they are imported, and CPython 3.11.7 fails parses spuriously while another
# thread (the browser tests' live server) parses too (gh-106905).
import schemathesis.specs.openapi.schemas
from fastapi import FastAPI
from schemathesis.engine import events
from schemathesis.engine.statistic import Statistic
from schemathesis.python import asgi

from api.app import create_app
from ingestion.embedding import SentenceTransformerEmbedder
from tutor.settings import Settings

from .conftest import register, set_role
from .scripted_chat import ScriptedChatModel

EXAMPLES = int(os.environ.get("TUTOR_SCHEMA_EXAMPLES", "3"))
SEED = int(os.environ.get("TUTOR_SCHEMA_SEED", "20260501"))
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
]
# Nothing is excluded: the websocket routes and /metrics are not in the schema. Operations that
# end the caller's sessions or account run as an account of their own each, so the one the other
# operations share keeps a working token.
OWN_ACCOUNT = ["DELETE /api/v1/me", "POST /api/v1/me/sign-out-all", "POST /api/v1/me/password"]
# Operations only for these roles run as such an account (a student would only get 403s).
ROLE_PATHS = {"admin": "^/api/v1/admin/", "teacher": "^/api/v1/evals/"}


@pytest.fixture(scope="module")
def app(
    settings: Settings, embedder: SentenceTransformerEmbedder, scripted_model: ScriptedChatModel
) -> Iterator[FastAPI]:
    # Schemathesis runs the lifespan itself, on its own event loop, until told to stop.
    yield create_app(settings, embedder=embedder, chat_model=scripted_model)
    asgi.shutdown_lifespans()


def bearer(headers: dict[str, str]) -> dict[str, str]:
    """A header table for one operation config."""
    return {"Authorization": headers["Authorization"]}


def account(app: FastAPI, settings: Settings, role: str = "student") -> dict[str, str]:
    """A fresh account in `role`, signed in through the app itself."""
    with asgi.get_client(app) as client:
        headers = register(client)  # type: ignore[arg-type]
        if role != "student":
            set_role(settings, client.get("/api/v1/me", headers=headers).json()["id"], role)
    return headers


def config(app: FastAPI, settings: Settings) -> dict[str, Any]:
    """The run: fixed seed, the conformance checks, one account per destructive operation."""
    operations = [
        {"include-name": name, "headers": bearer(account(app, settings))} for name in OWN_ACCOUNT
    ] + [
        {"include-path-regex": regex, "headers": bearer(account(app, settings, role))}
        for role, regex in ROLE_PATHS.items()
    ]
    return {
        "seed": SEED,
        "cache": {"enabled": False},
        "generation": {"max-examples": EXAMPLES, "deterministic": True, "database": "none"},
        "checks": {"enabled": False, **{name: {"enabled": True} for name in CHECKS}},
        "headers": bearer(account(app, settings)),
        "operations": operations,
    }


def test_every_operation_matches_its_schema(app: FastAPI, settings: Settings) -> None:
    run = schemathesis.Config.from_dict(config(app, settings))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=run)
    statistic = Statistic()
    errors = []
    for event in schemathesis.engine.from_schema(schema).execute():
        if isinstance(event, events.ScenarioFinished) and event.is_test_scenario:
            statistic.on_scenario_finished(event.recorder)
        elif isinstance(event, events.NonFatalError | events.FatalError):
            errors.append(event)
    failures = [
        f"{label}: {failure.title}: {failure.message}\n    {group.code_sample}"
        for label, groups in statistic.failures.items()
        for group in groups.values()
        for failure in group.failures
    ]
    summary = (
        f"{len(statistic.tested_operations)} operations, {statistic.total_cases} cases, "
        f"{len(failures)} failures, {len(errors)} errors"
    )
    sys.stderr.write(f"\nschemathesis: {summary}\n")
    assert not errors, errors
    assert not failures, "\n".join([summary, *failures])
    paths = app.openapi()["paths"].items()
    documented = {f"{method.upper()} {path}" for path, ops in paths for method in ops}
    assert statistic.tested_operations == documented, documented ^ statistic.tested_operations
