"""End to end with a real model: the local llama.cpp server running SmolLM2, the real stack."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import FAST_CHAT_MODEL, ingest, register
from tests.test_tutor_ws import NOTE, converse, only, socket, text_of
from tutor.settings import Settings


@pytest.fixture(scope="module")
def real_client(local_chat: Settings, embedder: Any, worker: Any) -> Iterator[TestClient]:
    del worker
    with TestClient(create_app(local_chat, embedder=embedder)) as client:
        yield client


def test_ask_streams_deltas_citations_and_done_from_a_real_model(real_client):
    headers = register(real_client)
    assert ingest(real_client, headers, "photosynthesis.md", NOTE)["status"] == "ready"
    with socket(real_client, headers) as ws:
        events = converse(ws, mode="answer", text="What pigment do chloroplasts hold?")
    kinds = [e["type"] for e in events]
    assert kinds[0] == "start" and kinds[-1] == "done", kinds
    assert kinds.count("delta") >= 2 and text_of(events).strip()
    citations = only(events, "citations")["items"]
    assert all(c["filename"] == "photosynthesis.md" for c in citations)
    done = only(events, "done")
    assert done["status"] == "complete" and done["model"] == FAST_CHAT_MODEL
    assert done["usage"]["completion_tokens"] > 0 and done["usage"]["prompt_tokens"] > 0
    assert done["timings"]["model_first_token_ms"] <= done["timings"]["total_ms"]
