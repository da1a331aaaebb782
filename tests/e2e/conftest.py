"""Browser tests: the app served on 127.0.0.1 with a real worker on the session's Redis,
driven by Playwright in Debian's Chromium (no browser download: `executable_path`)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"


def _missing(what: str) -> None:
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{what}; CI must run the browser tests")
    pytest.skip(what)


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
