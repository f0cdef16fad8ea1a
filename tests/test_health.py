"""Liveness and readiness: ready names the dependency that is down and answers 503 at once."""

from __future__ import annotations

import time

from tests.conftest import app_on_own_redis


def test_live_answers_without_touching_a_dependency(client):
    response = client.get("/api/v1/health/live")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_checks_postgres_and_redis(client):
    response = client.get("/api/v1/health/ready")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_ready_is_503_within_two_seconds_when_redis_is_down(settings, embedder, data_dir):
    with app_on_own_redis(settings, embedder, data_dir / "ready-redis") as (client, redis):
        assert client.get("/api/v1/health/ready").status_code == 200
        redis.stop()
        started = time.monotonic()
        response = client.get("/api/v1/health/ready")
        elapsed = time.monotonic() - started
        assert response.status_code == 503, response.text
        assert response.json() == {
            "status": "unavailable",
            "checks": {"database": "ok", "redis": "unavailable"},
        }
        assert elapsed < 2, elapsed
        assert client.get("/api/v1/health/live").status_code == 200
        # The older probe keeps its meaning: PostgreSQL up is healthy, Redis down degrades.
        legacy = client.get("/api/v1/health")
        assert legacy.status_code == 200
        assert legacy.json()["checks"] == {"database": "ok", "redis": "unavailable"}
        redis.start()
        deadline = time.monotonic() + 10
        while client.get("/api/v1/health/ready").status_code != 200:
            assert time.monotonic() < deadline, "ready did not recover after Redis came back"
            time.sleep(0.2)
