"""The benchmarks run in quick mode and report every figure (never whether it meets a time)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_make_bench_quick_emits_every_figure(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("INSTANCE_PATH",)}
    env.update(QUICK="1", INSTANCE_PATH=str(tmp_path / "instance"))
    done = subprocess.run([sys.executable, "-m", "bench"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads((ROOT / "bench" / "results" / "latest.json").read_text())
    names = {figure["name"] for figure in report["figures"]}
    assert {"send_efficiency", "send_tail", "pipeline_guards", "worker_dispatch",
            "bulk_send", "webhook_fanout", "inbox_flatness", "correctness_5xx",
            "correctness_debits_per_202", "correctness_messages_per_key",
            "correctness_batch_debits_per_message", "correctness_batch_5xx",
            "web_worker_rss_mb", "send_worker_rss_mb"} <= names
    assert report["quick"] is True and report["backend"] in ("postgresql+redis",
                                                              "sqlite+embedded-redis")
    for figure in report["figures"]:
        assert isinstance(figure["value"], float) and isinstance(figure["met"], bool)
        assert figure["name"] in done.stdout
    # Correctness is not a time: the run must have been right, whatever its speed.
    by_name = {figure["name"]: figure for figure in report["figures"]}
    for name in ("correctness_5xx", "correctness_debits_per_202",
                 "correctness_messages_per_key", "correctness_batch_debits_per_message",
                 "correctness_batch_5xx"):
        assert by_name[name]["met"], by_name[name]
