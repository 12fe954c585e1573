"""Driving Debian's headless Chromium with Playwright (no browser download), shared by browser tests."""

from __future__ import annotations

import contextlib
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlparse

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-quic",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", ""}


@dataclass
class RequestLog:
    """Every request a page made, and those that left the machine."""

    urls: list[str] = field(default_factory=list)

    def record(self, request) -> None:
        self.urls.append(request.url)

    @property
    def external(self) -> list[str]:
        out = []
        for url in self.urls:
            parsed = urlparse(url)
            if parsed.scheme in ("data", "blob", "about", "file", "chrome-extension"):
                continue
            if parsed.hostname not in LOCAL_HOSTS:
                out.append(url)
        return out


@contextlib.contextmanager
def chromium_page(viewport: dict | None = None) -> Iterator[tuple[object, RequestLog, list[str]]]:
    """A fresh Chromium page, its request log and its console errors (page errors included)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not shutil.which("chromium") and not shutil.os.path.exists(CHROMIUM):
        pytest.fail("Debian chromium is not installed; `make test` installs it")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport=viewport or {"width": 1400, "height": 900})
            log, errors = RequestLog(), []
            page.on("request", log.record)
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            yield page, log, errors
        finally:
            browser.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serve_wsgi(app) -> Iterator[str]:
    """Serve a WSGI app (a Dash app's ``.server``) on 127.0.0.1 in a thread; yields its base URL."""
    import logging

    from werkzeug.serving import make_server

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # one line per request drowns the output
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


def pick_option(
    page, dropdown: str, name=None, *, search: str | None = None, exact: bool = False, timeout: float = 30_000
) -> str:
    """Open the Dash dropdown ``#dropdown`` and click its option named ``name`` (the first one if None).

    ``search`` is typed into the menu's search box first (long lists show the matches only).
    The option is looked up in the menu this dropdown opened (``aria-controls``), never by the
    keyboard: another list on the page (the card's events, another open menu) may hold the same
    words, and a key press goes wherever the focus happens to be on a busy machine.
    Returns the text the dropdown shows afterwards.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    button = page.locator(f"#{dropdown}")
    expanded = f"document.getElementById('{dropdown}').getAttribute('aria-expanded') === 'true'"
    for _ in range(int(timeout // 5_000) or 1):
        # A click may land while the menu is still closing from an earlier one, or before the page
        # listens: click again until it is open.
        if page.evaluate(expanded):
            break
        button.click()
        with contextlib.suppress(PlaywrightTimeout):
            page.wait_for_function(expanded, timeout=5_000)
    page.wait_for_function(expanded, timeout=5_000)
    menu = button.get_attribute("aria-controls")
    scope = page.locator(f"[id='{menu}']") if menu else page
    if search is not None:
        scope.locator("input").first.fill(search, timeout=timeout)
    options = scope.get_by_role("option", name=name, exact=exact) if name is not None else scope.get_by_role("option")
    options.first.click(timeout=timeout)
    page.wait_for_function(
        f"!document.getElementById('{dropdown}-value')"
        f" || !document.getElementById('{dropdown}-value').classList.contains('dash-dropdown-placeholder')",
        timeout=timeout,
    )
    return button.inner_text()
