"""A second user gets nothing of the first user's documents, by any route or stream."""

from tests.conftest import ingest, next_event, register, upload

SECRET = b"The launch code of project Nightingale is 7-4-1-9 and the vault is in Zermatt."
QUERIES = ["launch code project Nightingale", "vault Zermatt", "7-4-1-9"]


def test_other_users_see_nothing(client):
    alice, bob = register(client), register(client)
    ingest(client, bob, "bob.txt", b"Bob's own notes about gardening and tomatoes.")
    secret = ingest(client, alice, "secret.txt", SECRET)
    doc_url = f"/api/v1/documents/{secret['id']}"

    assert client.get(doc_url, headers=bob).status_code == 404
    assert client.delete(doc_url, headers=bob).status_code == 404
    assert client.get(doc_url, headers=alice).status_code == 200, "bob's delete must not work"
    listed = client.get("/api/v1/documents", headers=bob).json()["items"]
    assert [d["filename"] for d in listed] == ["bob.txt"]
    for mode in ("hybrid", "dense", "fts"):
        for query in QUERIES:
            hits = client.get(
                "/api/v1/search", params={"q": query, "mode": mode, "k": 50}, headers=bob
            ).json()["items"]
            assert all(hit["filename"] == "bob.txt" for hit in hits), (mode, query, hits)
        filtered = client.get(
            "/api/v1/search",
            params={"q": QUERIES[0], "mode": mode, "document_id": secret["id"]},
            headers=bob,
        ).json()["items"]
        assert filtered == [], "a document filter must not reach another user's document"


def test_same_file_for_two_users_is_two_documents(client):
    alice, bob = register(client), register(client)
    mine = ingest(client, alice, "shared.txt", b"Identical bytes uploaded by two students.")
    theirs = ingest(client, bob, "shared.txt", b"Identical bytes uploaded by two students.")
    assert mine["id"] != theirs["id"]
    assert client.delete(f"/api/v1/documents/{mine['id']}", headers=alice).status_code == 204
    assert client.get(f"/api/v1/documents/{theirs['id']}", headers=bob).json()["status"] == "ready"


def test_event_stream_carries_only_ones_own_events(client):
    alice, bob = register(client), register(client)
    with client.websocket_connect("/api/v1/events", headers=bob) as ws:
        assert ws.receive_json()["type"] == "subscribed"
        ingest(client, alice, "alice.txt", b"Alice's private diary entry.")
        own = upload(client, bob, "bob2.txt", b"Bob's second note.").json()["id"]
        # Alice's whole ingestion happened first; the first event Bob sees must be his own.
        assert next_event(ws)["data"]["document_id"] == own
