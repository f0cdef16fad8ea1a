"""Real Chromium, driven by Playwright, against the real API served by uvicorn on a free port.

Playwright's sync API marks its event loop as running in the main thread for as long as the
browser is open, so `asyncio.run()` fails there meanwhile: browser tests set up data over HTTP
(`create_account`), and the browser is closed when the tests of this package are done.
"""

from __future__ import annotations

import os
import re
import socket
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Route,
    WebSocketRoute,
    sync_playwright,
)

from api.app import STATIC, create_app
from api.routes.tutor import MAX_MESSAGE_BYTES
from ingestion.embedding import SentenceTransformerEmbedder
from tutor.settings import Settings

from ..scripted_chat import ScriptedChatModel

CHROMIUM = os.environ.get("TUTOR_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # CI runs as root, where Chromium's sandbox refuses to start
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
]
ARTIFACTS = Path(__file__).parent / "artifacts"
SCREENSHOTS = ARTIFACTS / "screenshots"
AXE = STATIC / "vendor" / "axe-core" / "axe.min.js"
# A request or socket that would leave this machine (data: and blob: URLs never do). A
# pattern, not a Python function: Playwright hands the browser a pattern to match itself, but
# routes every request through the test's thread to ask a function, and the sync API answers
# only while that thread is inside a Playwright call. A test waiting on the database or the
# worker would then stall every request the page makes, the server's included.
EXTERNAL_URL = re.compile(r"^(https?|wss?)://(?!(127\.0\.0\.1|localhost)(:[0-9]+)?([/?#]|$))")
SERIOUS = {"serious", "critical"}
PASSWORD = "correct horse battery"
CALL_REPORT = pytest.StashKey[pytest.TestReport]()
_accounts = iter(range(1_000_000))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder `browser`, so `-m "not browser"` leaves them all out."""
    here = Path(__file__).parent
    for item in items:
        if item.path.is_relative_to(here):
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item,
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep the call phase's report on the item, so `page` knows at teardown if the test failed."""
    report = yield
    if report.when == "call":
        item.stash[CALL_REPORT] = report
    return report


@pytest.fixture(scope="session")
def live_server(
    settings: Settings,
    embedder: SentenceTransformerEmbedder,
    worker: Any,
    scripted_model: ScriptedChatModel,
) -> Iterator[str]:
    """The API on 127.0.0.1 and a free port, in a thread of this process; yields its base URL.

    In-process so that tests script the session's `scripted_model`; the tutor's rate limit is
    raised since every browser test asks from the same few accounts within a minute.
    """
    del worker  # uploads need a worker behind the API
    app = create_app(
        settings.model_copy(update={"tutor_asks_per_minute": 1000}),
        embedder=embedder,
        chat_model=scripted_model,
    )
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{sock.getsockname()[1]}"
    # log_config=None: leave the test process's logging (and pytest's capture of it) alone.
    config = uvicorn.Config(
        app,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=5,
        ws_max_size=MAX_MESSAGE_BYTES,  # as `tutor api` serves it
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="live-server")
    thread.start()
    try:
        wait_healthy(url, thread)
        yield url
    finally:
        server.should_exit = True
        thread.join(30)
        sock.close()
    assert not thread.is_alive(), "the live server did not shut down within 30 s"


def wait_healthy(url: str, thread: threading.Thread, timeout: float = 60) -> None:
    """Poll /api/v1/health until it answers 200; fail early if the server thread died."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not thread.is_alive():
            raise RuntimeError("the live server stopped during startup (see the log above)")
        try:
            if httpx.get(f"{url}/api/v1/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"the live server at {url} was not healthy after {timeout} s")


@pytest.fixture(scope="package")
def browser(live_server: str) -> Iterator[Browser]:
    """Headless system Chromium, launched once the stack is up (see the module docstring)."""
    del live_server  # the stack's fixtures call asyncio.run(), which must happen before this
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(f"no Chromium at {CHROMIUM}: run scripts/setup.sh or set TUTOR_TEST_CHROMIUM")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield chromium
        chromium.close()


@dataclass
class PageProblems:
    """What a page did that fails its test: requests off this machine and console errors."""

    external_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    allowed: list[re.Pattern[str]] = field(default_factory=list)

    def allow(self, pattern: str) -> None:
        """Accept console errors matching `pattern` (e.g. the 401 of a wrong password)."""
        self.allowed.append(re.compile(pattern))

    def console(self, message: ConsoleMessage) -> None:
        """Record a console error."""
        if message.type == "error":
            location = message.location
            self.console_errors.append(
                f"{message.text} ({location['url']}:{location['lineNumber']})"
            )

    def page_error(self, error: Exception) -> None:
        """Record an uncaught exception in the page."""
        self.console_errors.append(f"uncaught {error}")

    def block(self, route: Route) -> None:
        """Record and abort a request to another host."""
        self.external_requests.append(route.request.url)
        route.abort("blockedbyclient")

    def block_socket(self, socket_route: WebSocketRoute) -> None:
        """Record and close a websocket to another host."""
        self.external_requests.append(socket_route.url)
        socket_route.close()

    def unexpected(self) -> list[str]:
        """Every problem the test did not allow, one line each."""
        errors = [e for e in self.console_errors if not any(p.search(e) for p in self.allowed)]
        return [f"external request: {url}" for url in self.external_requests] + [
            f"console error: {e}" for e in errors
        ]


@pytest.fixture
def page_problems() -> PageProblems:
    """The problems `page` records; a test extends `allow` for console errors it expects."""
    return PageProblems()


@pytest.fixture
def page(
    browser: Browser, live_server: str, page_problems: PageProblems, request: pytest.FixtureRequest
) -> Iterator[Page]:
    """A fresh context and page on the live server (relative URLs work), offline but for it.

    Fails the test at teardown on any request to another host (aborted, so the app must work
    without CDNs or web fonts) and on console errors not allowed; saves a screenshot then.
    """
    context = browser.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    context.route(EXTERNAL_URL, page_problems.block)
    context.route_web_socket(EXTERNAL_URL, page_problems.block_socket)
    tab = context.new_page()
    tab.on("console", page_problems.console)
    tab.on("pageerror", page_problems.page_error)
    yield tab
    report = request.node.stash.get(CALL_REPORT, None)
    problems = page_problems.unexpected()
    try:
        if problems or (report is not None and report.failed):
            screenshot(tab, re.sub(r"[^\w.-]+", "_", request.node.nodeid), ARTIFACTS)
    finally:
        context.close()
    if problems:
        pytest.fail("the page misbehaved:\n" + "\n".join(problems), pytrace=False)


def screenshot(page: Page, name: str, folder: Path = SCREENSHOTS) -> Path:
    """A full-page PNG of `page` as `folder/name.png`; returns its path."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    page.screenshot(path=path, full_page=True)
    return path


def check_accessibility(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now, one line each."""
    # From the server's own /static (the vendored copy): the page's policy admits no inline script.
    page.add_script_tag(url="/" + AXE.relative_to(STATIC.parent).as_posix())
    violations = page.evaluate("async () => (await axe.run()).violations")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
        for v in violations
        if v["impact"] in SERIOUS
    ]


@dataclass(frozen=True)
class Account:
    """A registered, logged-in user of the live server."""

    email: str
    password: str
    token: str


def create_account(base_url: str, role: str = "student") -> Account:
    """Register and log in over HTTP, for tests that are not about the sign-up form."""
    email = f"browser{next(_accounts)}-{time.time_ns()}@example.com"
    credentials = {"email": email, "password": PASSWORD}
    with httpx.Client(base_url=f"{base_url}/api/v1") as http:
        http.post("/auth/register", json={**credentials, "role": role}).raise_for_status()
        login = http.post("/auth/login", json=credentials).raise_for_status()
    return Account(email, PASSWORD, login.json()["access_token"])
