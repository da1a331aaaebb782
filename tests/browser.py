"""Debian's Chromium driven by Playwright: one browser for the whole test session.

A test tool's own browser download cannot work here: Playwright launches Debian's
/usr/bin/chromium. Skipped only where Chromium is not installed outside CI; in CI
(`CI=true`) a missing Chromium fails the test (.ci/run installs it). One Playwright instance
per process: a second `sync_playwright()` beside a running one refuses to start.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def chromium_path() -> str:
    """Debian's Chromium, or skip (fail in CI) where it is not installed."""
    found = os.environ.get("CHROMIUM") or shutil.which("chromium") or next(
        (path for path in ("/usr/bin/chromium", "/usr/bin/chromium-browser")
         if Path(path).is_file()), None)
    if found is None:
        message = "Chromium is not installed (apt-get install -y --no-install-recommends chromium)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message + "; CI must run this test")
        pytest.skip(message)
    return found


@pytest.fixture(scope="session")
def chromium():
    """A headless Debian Chromium under Playwright, shared by every browser test."""
    executable = chromium_path()
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=executable, headless=True,
                                              args=CHROMIUM_ARGS)
        yield instance
        instance.close()
