"""Lighthouse (npm `lighthouse`) in Debian's Chromium, offline against the site on Apache:
SEO, accessibility and best practices 100 and mobile performance at least 95 on the home
page, a guide and a reference page.

Lighthouse's default form factor is a throttled phone, so the performance score is the
mobile one. Its network is this machine's Apache with the web root's compression and cache
headers, so nothing leaves the machine.

The phone is a mid-tier one whatever machine runs the test. Lighthouse slows the host's CPU
down 4x by default, which emulates a mid-tier phone only on a fast desktop; on a host that
is itself about as fast as a mid-tier phone (this CI machine: Lighthouse's benchmarkIndex
1,100-1,500, where Chrome DevTools' calibration puts a mid-tier phone such as the Pixel 5 at
1,000), 4x emulates a low-end one. So the slowdown is calibrated as DevTools does it: the
host's benchmarkIndex over 1,000, between 1 and 4 (`_slowdown`).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess

import pytest

from tests.docs.browser import CHROMIUM_ARGS, chromium_path
from tests.docs.conftest import ROOT
from tests.docs.httpd import apache, stand_in_app  # noqa: F401 - fixtures

pytestmark = pytest.mark.slow

LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
PAGES = ["/", "/quickstart-python/", "/reference/webhooks/"]
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
RUNS = 3


# Chrome DevTools' CPU calibration: the benchmarkIndex of a mid-tier phone (Pixel 5).
MID_TIER_BENCHMARK = 1000
_calibrated: list[float] = []


def _audit(node: str, url: str, report, slowdown: float | None = None) -> dict:
    """One Lighthouse run of the page: its JSON report."""
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    throttling = ([f"--throttling.cpuSlowdownMultiplier={slowdown:.2f}"]
                  if slowdown is not None else [])
    result = subprocess.run(  # noqa: S603 - our own arguments
        [node, str(LIGHTHOUSE), url, "--quiet", "--output=json",
         f"--output-path={report}", f"--only-categories={','.join(CATEGORIES)}",
         f"--chrome-flags={flags}", *throttling],
        env={**os.environ, "CHROME_PATH": chromium_path()}, capture_output=True, text=True,
        timeout=240, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(report.read_text(encoding="utf-8"))


def _slowdown(node: str, url: str, report) -> float:
    """The CPU slowdown that makes this host a mid-tier phone (measured once per session)."""
    if not _calibrated:
        index = _audit(node, url, report)["environment"]["benchmarkIndex"]
        _calibrated.append(min(4.0, max(1.0, index / MID_TIER_BENCHMARK)))
    return _calibrated[0]


@pytest.mark.parametrize("path", PAGES)
def test_lighthouse_scores_the_page_100_and_mobile_performance_at_least_95(
        apache, path, tmp_path):  # noqa: F811
    assert LIGHTHOUSE.is_file(), "lighthouse is not installed: run `make install`"
    node = shutil.which("node")
    assert node, "node is not installed"
    # Lighthouse's performance score varies from run to run with the machine's CPU (its
    # own guidance: run it several times and take the median), so the page is audited
    # RUNS times and the run with the median performance score is the one judged.
    slowdown = _slowdown(node, apache + path, tmp_path / "calibration.json")
    runs = []
    for run in range(RUNS):
        runs.append(_audit(node, apache + path, tmp_path / f"report-{run}.json", slowdown))
    runs.sort(key=lambda data: data["categories"]["performance"]["score"])
    data = runs[len(runs) // 2]
    assert data["configSettings"]["formFactor"] == "mobile"
    scores = {name: data["categories"][name]["score"] for name in CATEGORIES}
    failing = [f"{audit}: {data['audits'][audit].get('displayValue') or ''}"
               for name in CATEGORIES for audit in
               (ref["id"] for ref in data["categories"][name]["auditRefs"] if ref["weight"])
               if data["audits"][audit]["score"] is not None
               and data["audits"][audit]["score"] < 1]
    assert scores["seo"] == 1, failing
    assert scores["accessibility"] == 1, failing
    assert scores["best-practices"] == 1, failing
    assert scores["performance"] >= 0.95, (scores, failing, f"CPU slowdown {slowdown:.2f}")
