"""`clients/python` is exactly what `make client` generates from today's /api/v1 document,
and the generator has nothing to warn about."""

from __future__ import annotations

import filecmp
import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("clients_generate", ROOT / "clients" / "generate.py")
generator = importlib.util.module_from_spec(spec)
spec.loader.exec_module(generator)

pytestmark = pytest.mark.slow


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def test_the_committed_client_is_what_make_client_generates(tmp_path):
    fresh = tmp_path / "python"
    report = generator.generate(fresh)  # raises on any warning or error of the generator
    assert "Generating" in report
    committed = generator.TARGET
    assert _files(fresh) == _files(committed), "run `make client` and commit clients/python"
    stale = [name for name in sorted(_files(fresh))
             if not filecmp.cmp(fresh / name, committed / name, shallow=False)]
    assert stale == [], "run `make client` and commit clients/python"
