"""Bad input ends in a clear status with a machine code; the worker and other data survive."""

import io
import zipfile

import pytest

from tests.conftest import ingest, register, shared_file, upload

TRICKY = "documents/tricky/"


def _read(relative: str) -> bytes:
    return shared_file(TRICKY + relative).read_bytes()


def _error(response) -> str:
    return response.json()["error"]["code"]


def test_wrong_type_is_refused_at_upload(client):
    headers = register(client)
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    response = upload(client, headers, "photo.png", png)
    assert response.status_code == 415
    assert _error(response) == "unsupported_type"


def test_empty_file_is_refused(client):
    response = upload(client, register(client), "empty.txt", b"")
    assert response.status_code == 400
    assert _error(response) == "empty_file"


def test_file_over_the_size_limit_is_refused(client, settings):
    too_big = b"a" * (settings.max_upload_bytes + 1)
    response = upload(client, register(client), "huge.txt", too_big)
    assert response.status_code == 413
    assert _error(response) == "too_large"


@pytest.mark.parametrize(
    ("name", "password"),
    [
        ("encrypted/password.pdf", "password"),
        ("encrypted/r2-user-password.pdf", "asdfzxcv"),
        ("encrypted/r6-user-password.pdf", "asdfzxcv"),  # AES-256
        ("encrypted/2206.01062_pg3_password-1234.pdf", "1234"),
        ("encrypted/libreoffice-writer-password.pdf", "openpassword"),
    ],
)
def test_encrypted_pdf_fails_without_password_and_opens_with_it(client, name, password):
    headers = register(client)
    locked = ingest(client, headers, name.split("/")[-1], _read(name))
    assert locked["status"] == "failed"
    assert locked["error"]["code"] == "encrypted"
    # Uploading the same bytes again with the password retries the same document.
    opened = ingest(client, headers, name.split("/")[-1], _read(name), password=password)
    assert opened["id"] == locked["id"]
    assert opened["status"] == "ready", opened


def test_copy_protected_pdf_opens_without_a_password(client):
    # Owner-password-only: the permissions restrict copying, not reading.
    document = ingest(client, register(client), "cp.pdf", _read("encrypted/copy-protected.pdf"))
    assert document["status"] == "ready", document
    assert document["chunks_total"] > 0


def test_wrong_password_says_so(client):
    failed = ingest(
        client, register(client), "p.pdf", _read("encrypted/password.pdf"), password="not-it"
    )
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "encrypted"
    assert "password" in failed["error"]["message"].lower()


@pytest.mark.parametrize(
    "name",
    [
        "image-only/ocr_test.pdf",
        "image-only/nemotron_multipage.pdf",
        "image-only/loremipsum-flat.pdf",
        "image-only/imagemagick-CCITTFaxDecode.pdf",
        "corrupted-or-odd/empty_page.pdf",
    ],
)
def test_image_only_pdf_fails_with_needs_ocr(client, name):
    document = ingest(client, register(client), name.split("/")[-1], _read(name))
    assert document["status"] == "failed"
    assert document["error"]["code"] == "needs_ocr"
    assert document["chunks_total"] is None


def test_garbage_text_layer_is_kept_but_flagged(client):
    document = ingest(
        client, register(client), "bad.pdf", _read("image-only/pdf-with-bad-ocr-layer.pdf")
    )
    assert document["status"] == "ready"
    assert document["needs_ocr"] is True


def test_truncated_pdf_is_refused_as_corrupt(client):
    response = upload(
        client, register(client), "corrupted.pdf", _read("corrupted-or-odd/corrupted.pdf")
    )
    assert response.status_code == 422
    assert _error(response) == "corrupt"


def test_pdf_cut_in_half_ends_in_a_terminal_status(client):
    data = shared_file("documents/layout/multi_page.pdf").read_bytes()
    document = ingest(client, register(client), "half.pdf", data[: len(data) // 2])
    # pypdf may recover some pages; either way the document must not hang or be empty-ready.
    if document["status"] == "ready":
        assert document["chunks_total"] > 0
    else:
        assert document["error"]["code"] in ("corrupt", "needs_ocr")


def test_broken_xref_is_recovered(client):
    headers = register(client)
    document = ingest(
        client, headers, "xref.pdf", _read("corrupted-or-odd/issue-297-broken-xref.pdf")
    )
    assert document["status"] == "ready"
    hits = client.get(
        "/api/v1/search", params={"q": "test example", "mode": "fts"}, headers=headers
    ).json()["items"]
    assert "test example" in hits[0]["text"]


def test_rotated_page_is_read(client):
    document = ingest(
        client, register(client), "rot.pdf", _read("corrupted-or-odd/rotated-page-90.pdf")
    )
    assert document["status"] == "ready"


def test_truncated_docx_is_refused_as_corrupt(client):
    data = shared_file("documents/educational/handbook-1p.docx").read_bytes()
    response = upload(client, register(client), "cut.docx", data[: len(data) // 2])
    assert response.status_code == 422
    assert _error(response) == "corrupt"


def _zip_bomb_docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * 60_000_000)
    return buffer.getvalue()


def test_docx_zip_bomb_is_refused_without_expanding_it(client):
    bomb = _zip_bomb_docx()
    assert len(bomb) < 1_000_000
    document = ingest(client, register(client), "bomb.docx", bomb)
    assert document["status"] == "failed"
    assert document["error"]["code"] == "decompression_bomb"


def test_worker_survives_bad_files_and_other_data_is_untouched(client, worker):
    headers = register(client)
    good = ingest(client, headers, "good.txt", b"Tardigrades survive extreme conditions.")
    ingest(client, headers, "bomb.docx", _zip_bomb_docx())
    ingest(client, headers, "ocr.pdf", _read("image-only/ocr_test.pdf"))
    after = ingest(client, headers, "after.txt", b"Worker still alive after bad files.")
    assert worker.poll() is None, "the worker process must still be running"
    assert after["status"] == "ready"
    again = client.get(f"/api/v1/documents/{good['id']}", headers=headers).json()
    assert again["status"] == "ready" and again["chunks_total"] == good["chunks_total"]
    hits = client.get("/api/v1/search", params={"q": "tardigrades"}, headers=headers).json()
    assert hits["items"][0]["document_id"] == good["id"]


def test_oversized_body_is_refused_before_parsing(client, settings):
    headers = {**register(client), "Content-Length": str(settings.max_upload_bytes * 2)}
    response = client.post("/api/v1/documents", headers=headers, content=b"x" * 1024)
    assert response.status_code == 413
    assert _error(response) == "too_large"
