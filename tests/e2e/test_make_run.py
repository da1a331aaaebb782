"""`make run` on a clean instance folder: migrates, seeds, serves /healthz, stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_make_run_comes_up_on_embedded_defaults_and_stops(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "SWITCHBOARD_ENV")}
    env["INSTANCE_PATH"] = str(tmp_path / "instance")
    proc = subprocess.Popen(["make", "run", f"PORT={port}"], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        health = None
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                health = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except httpx.TransportError:
                time.sleep(0.5)
        assert health is not None, "make run never answered /healthz"
        assert health.status_code == 200
        assert health.json()["checks"] == {"database": "ok", "redis": "ok"}
        login = httpx.get(f"http://127.0.0.1:{port}/admin/login", timeout=5)
        assert login.status_code == 200 and "Sign in" in login.text
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        try:
            output, _ = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            output, _ = proc.communicate()
    assert "sandbox key ak_test_" in output
    assert (tmp_path / "instance" / "switchboard.db").exists()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/ping", timeout=2)
