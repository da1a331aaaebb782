"""Lighthouse (npm `lighthouse`) in Debian's Chromium, offline against the site on Apache:
SEO, accessibility and best practices 100 and mobile performance at least 95 on the home
page, a guide and a reference page.

Lighthouse's default form factor is a throttled phone, so the performance score is the
mobile one. Its network is this machine's Apache with the web root's compression and cache
headers, so nothing leaves the machine.
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


def _audit(node: str, url: str, report) -> dict:
    """One Lighthouse run of the page: its JSON report."""
    flags = " ".join(["--headless=new", *CHROMIUM_ARGS])
    result = subprocess.run(  # noqa: S603 - our own arguments
        [node, str(LIGHTHOUSE), url, "--quiet", "--output=json",
         f"--output-path={report}", f"--only-categories={','.join(CATEGORIES)}",
         f"--chrome-flags={flags}"],
        env={**os.environ, "CHROME_PATH": chromium_path()}, capture_output=True, text=True,
        timeout=240, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(report.read_text(encoding="utf-8"))


@pytest.mark.parametrize("path", PAGES)
def test_lighthouse_scores_the_page_100_and_mobile_performance_at_least_95(
        apache, path, tmp_path):  # noqa: F811
    assert LIGHTHOUSE.is_file(), "lighthouse is not installed: run `make install`"
    node = shutil.which("node")
    assert node, "node is not installed"
    # Lighthouse's performance score varies from run to run with the machine's CPU (its
    # own guidance: run it several times and take the median), so the page is audited
    # RUNS times and the run with the median performance score is the one judged.
    runs = []
    for run in range(RUNS):
        runs.append(_audit(node, apache + path, tmp_path / f"report-{run}.json"))
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
    assert scores["performance"] >= 0.95, (scores, failing)
