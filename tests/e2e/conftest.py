"""Browser tests: the app served on 127.0.0.1 with a real worker on the session's Redis,
driven by Playwright in Debian's Chromium (no browser download: `executable_path`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import free_port
from tests.jobs._workers import worker_env

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def _missing(what: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{what}; CI must run the browser tests")
    pytest.skip(what)


@pytest.fixture(scope="module")
def server_settings() -> dict:
    """Settings of a module's live server (a test module overrides this fixture)."""
    return {}


@pytest.fixture(scope="module")
def live_server(app, server_settings):
    """`flask run` and a `flask worker` on the test session's database and Redis."""
    port = free_port()
    env = worker_env(app, INTERNAL_SEND_CONFIRM_SECONDS=2, **server_settings)
    logs = ARTIFACTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    web_log = open(logs / "web.log", "w")  # noqa: SIM115 - closed below
    worker_log = open(logs / "worker.log", "w")  # noqa: SIM115
    web = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", "127.0.0.1",
         "--port", str(port), "--no-reload", "--with-threads"],
        cwd=ROOT, env=env, stdout=web_log, stderr=subprocess.STDOUT, start_new_session=True)
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
                              cwd=ROOT, env=env, stdout=worker_log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/ping", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or web.poll() is not None:
            raise AssertionError("the app did not start: " + (logs / "web.log").read_text())
        time.sleep(0.2)
    yield base
    for process in (web, worker):
        process.terminate()
    for process in (web, worker):
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
    web_log.close()
    worker_log.close()


@pytest.fixture
def axe():
    """A function that runs axe-core in a page; its serious and critical violations."""
    if not AXE.exists():
        _missing("node_modules/axe-core is missing (make install runs npm ci)")
    source = AXE.read_text()

    def run(page) -> list[dict]:
        page.add_script_tag(content=source)
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        return [{"id": v["id"], "impact": v["impact"],
                 "nodes": [n["target"] for n in v["nodes"]][:5]}
                for v in result["violations"] if v["impact"] in ("serious", "critical")]

    return run


def shoot(page, name: str) -> None:
    """Save a screenshot for people to look at (tests/e2e/artifacts, ignored by git)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)
