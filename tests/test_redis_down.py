"""Redis down at upload time: the upload is kept, and processed once Redis is back."""

from fastapi.testclient import TestClient

from api.app import create_app
from tests.conftest import register, start_worker, stop_worker, upload, wait_terminal, worker_env
from tutor.runtime.local_redis import LocalRedis


def test_upload_survives_a_redis_outage(settings, embedder, data_dir):
    redis = LocalRedis(data_dir / "outage")
    redis.start()
    own = settings.model_copy(update={"redis_url": redis.url})
    worker = start_worker(worker_env(own), data_dir / "outage-worker.log")
    try:
        with TestClient(create_app(own, embedder=embedder)) as client:
            headers = register(client)
            redis.stop()
            assert client.get("/api/v1/health").json()["checks"]["redis"] == "unavailable"

            response = upload(client, headers, "outage.txt", b"Written while Redis was down.")
            assert response.status_code == 202, response.text
            document_id = response.json()["id"]
            stored = client.get(f"/api/v1/documents/{document_id}", headers=headers).json()
            assert stored["status"] == "queued"

            redis.start()
            document = wait_terminal(client, headers, document_id, timeout=90)
            assert document["status"] == "ready", document
            hits = client.get("/api/v1/search", params={"q": "Redis down"}, headers=headers)
            assert hits.json()["items"][0]["document_id"] == document_id
            assert worker.poll() is None, "the worker must ride out the outage"
    finally:
        stop_worker(worker)
        redis.stop()
