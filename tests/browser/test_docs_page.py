"""`/docs`: Swagger UI from the vendored files, with nothing fetched from another host."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from .conftest import screenshot


def test_docs_render_the_api_from_local_assets(page: Page) -> None:
    page.goto("/docs")
    documents = page.locator(".opblock-summary-path", has_text="/api/v1/documents").first
    expect(documents).to_be_visible()
    expect(page.get_by_role("heading", name="Spark Tutor")).to_be_visible()
    screenshot(page, "docs")


def test_es_modules_are_served_as_javascript(page: Page) -> None:
    response = page.request.get("/static/vendor/preact/preact.mjs")
    assert response.ok
    assert response.headers["content-type"].split(";")[0] in {
        "text/javascript",
        "application/javascript",
    }
