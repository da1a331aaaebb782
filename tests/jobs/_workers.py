"""Real `flask worker` processes for crash tests: start one, kill it mid-job, run another."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime

import psutil

from app.extensions import redis_connection

COMMAND = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"]


def worker_env(app, **settings) -> dict:
    """The environment of a worker sharing the test app's database and Redis."""
    env = dict(os.environ, SWITCHBOARD_ENV="testing", INSTANCE_PATH=app.instance_path,
               DATABASE_URL=os.environ.get("DATABASE_URL")
               or app.config["SQLALCHEMY_DATABASE_URI"],
               REDIS_URL=redis_connection.url(app))
    env.update({key: str(value) for key, value in settings.items()})
    return env


def start_worker(app, env: dict) -> subprocess.Popen:
    """A burst worker in the background, in a session of its own."""
    return subprocess.Popen(COMMAND, env=env, cwd=os.path.dirname(app.root_path),
                            start_new_session=True, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def kill_with_its_horse(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and its work horse (RQ puts the horse in a session of its own)."""
    parent = psutil.Process(worker.pid)
    for process in [*parent.children(recursive=True), parent]:
        process.send_signal(signal.SIGKILL)
    worker.wait(30)


def wait_past(moment: datetime, limit: float = 60) -> None:
    """Wait until a lease that ends at `moment` has run out."""
    deadline = time.monotonic() + limit
    while time.time() <= moment.timestamp() + 0.1:
        if time.monotonic() > deadline:
            raise AssertionError(f"still before {moment} after {limit} s")
        time.sleep(0.05)


def run_worker_to_completion(app, env: dict) -> subprocess.CompletedProcess:
    """A burst worker in the foreground; asserts it exits cleanly."""
    done = subprocess.run(COMMAND, env=env, cwd=os.path.dirname(app.root_path),
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return done
