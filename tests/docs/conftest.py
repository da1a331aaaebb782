"""Fixtures: the documentation site, built once per session with `mkdocs build --strict`.

Two builds: for the production docs domain, and for the sandbox docs domain
(`DOCS_BUILD_URL`), which must not change any canonical URL. The sites go to world-readable
temporary folders so that an Apache httpd started by the tests (whose workers drop root
privileges) can serve them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SANDBOX_DOCS_URL = "https://docs.sandbox.switchboard.example/"


class _Loader(yaml.SafeLoader):
    """mkdocs.yml may use MkDocs' own tags (`!ENV`, `!relative`); read them as plain values."""


_Loader.add_multi_constructor("!", lambda loader, suffix, node: None)


def mkdocs_config() -> dict:
    """mkdocs.yml as data."""
    return yaml.load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"), Loader=_Loader)  # noqa: S506


def run_mkdocs_build(site_dir: Path, build_url: str | None = None,
                     ) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` into `site_dir`, optionally for another serving domain."""
    env = {key: value for key, value in os.environ.items() if key != "DOCS_BUILD_URL"}
    env["NO_MKDOCS_2_WARNING"] = "1"
    if build_url:
        env["DOCS_BUILD_URL"] = build_url
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
         str(ROOT / "mkdocs.yml"), "--site-dir", str(site_dir)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)


def _build(build_url: str | None):
    folder = Path(tempfile.mkdtemp(prefix="switchboard-docs-site-"))
    folder.chmod(0o755)
    result = run_mkdocs_build(folder, build_url)
    if result.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        pytest.fail(f"mkdocs build --strict failed:\n{result.stdout}\n{result.stderr}")
    return folder


@pytest.fixture(scope="session")
def site_dir():
    """The site as built for the production docs domain."""
    folder = _build(None)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def sandbox_site_dir():
    """The site as built to be served from the sandbox docs domain."""
    folder = _build(SANDBOX_DOCS_URL)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="session")
def site_url() -> str:
    return mkdocs_config()["site_url"]
