"""Debian's Chromium driven by Playwright, and the built site served over HTTP for it.

A test tool's own browser download cannot work here: Playwright launches /usr/bin/chromium.
Skipped only where Chromium is not installed outside CI; in CI (`CI=true`) a missing
Chromium fails the test (.ci/run installs it).
"""

from __future__ import annotations

import os
import shutil
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def chromium_path() -> str:
    """Debian's Chromium, or skip (fail in CI) where it is not installed."""
    found = shutil.which("chromium") or next(
        (path for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser")
         if Path(path).is_file()), None)
    if found is None:
        message = "Chromium is not installed (apt-get install -y --no-install-recommends chromium)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message + "; CI must run this test")
        pytest.skip(message)
    return found


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *_args):
        pass


def serve(folder: Path):
    """Serve `folder` on a free port of 127.0.0.1; returns (base URL, stop function)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop():
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_address[1]}", stop


@pytest.fixture(scope="session")
def browser():
    """A headless Debian Chromium for the session."""
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, headless=True,
                                              args=CHROMIUM_ARGS)
        yield instance
        instance.close()
