"""The page at `/`: served with a policy that admits only this server's scripts."""

from __future__ import annotations

import base64
import hashlib
import re

from fastapi.testclient import TestClient

from api.app import STATIC
from tests.conftest import register


def test_page_has_a_policy_allowing_only_its_own_scripts(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    policy = dict(
        part.strip().split(" ", 1)
        for part in response.headers["content-security-policy"].split(";")
    )
    assert policy["default-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", response.text, re.S)
    inline = [body for attributes, body in scripts if "src=" not in attributes]
    assert len(inline) == 1 and '"imports"' in inline[0]  # the import map, nothing else
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
    assert response.text == (STATIC / "index.html").read_text()


def test_every_module_the_page_imports_is_served(client: TestClient) -> None:
    app_modules = sorted((STATIC / "app").glob("*.js"))
    assert len(app_modules) >= 10
    for module in app_modules:
        for imported in re.findall(r'from "\./([\w.]+)"', module.read_text()):
            assert (STATIC / "app" / imported).exists(), f"{module.name} imports {imported}"
        response = client.get(f"/static/app/{module.name}")
        assert response.status_code == 200
        assert "javascript" in response.headers["content-type"]


def test_limits_tell_clients_what_they_may_upload(client: TestClient) -> None:
    assert client.get("/api/v1/limits").status_code == 401
    limits = client.get("/api/v1/limits", headers=register(client)).json()
    assert limits["max_upload_bytes"] == 20 * 1024 * 1024  # the test settings' limit
    assert {".pdf", ".docx", ".md", ".txt"} <= set(limits["extensions"])
    assert limits["max_documents"] >= 1
