"""`make run` as a newcomer starts it, and a census of what it left running afterwards."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
TAG = "SWITCHBOARD_E2E_RUN"


@dataclass
class Run:
    """One `make run` in a process group of its own, with its output in a file."""

    instance: Path
    port: int
    tag: str = field(default_factory=lambda: uuid.uuid4().hex)
    proc: subprocess.Popen | None = None
    log: Path | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, **extra: str) -> dict:
        """A newcomer's environment: embedded defaults, this instance folder, our tag."""
        env = {k: v for k, v in os.environ.items()
               if k not in ("DATABASE_URL", "REDIS_URL", "SWITCHBOARD_ENV", "APP_PUBLIC_URL")}
        env.update(INSTANCE_PATH=str(self.instance), **{TAG: self.tag}, **extra)
        return env

    def make(self, *targets: str, **kwargs) -> subprocess.Popen:
        self.log = self.instance.parent / f"make-{'-'.join(targets)}-{uuid.uuid4().hex[:6]}.log"
        with open(self.log, "w") as out:
            return subprocess.Popen(["make", *targets, f"PORT={self.port}"], cwd=ROOT,
                                    env=self.env(), stdout=out, stderr=subprocess.STDOUT,
                                    text=True, start_new_session=True, **kwargs)

    def start(self) -> Run:
        self.proc = self.make("run")
        return self

    def output(self) -> str:
        return self.log.read_text() if self.log and self.log.exists() else ""

    def wait_ready(self, limit: float = 240) -> None:
        """Until /healthz answers 200 and the banner with the next steps is printed."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"make run exited {self.proc.returncode}:\n{self.output()}")
            try:
                healthy = httpx.get(self.url + "/healthz", timeout=2).status_code == 200
            except httpx.TransportError:
                healthy = False
            if healthy and "stops web, worker and Redis" in self.output():
                return
            time.sleep(0.3)
        raise AssertionError(f"make run never came up:\n{self.output()}")

    def signal_group(self, sig: int) -> None:
        os.killpg(self.proc.pid, sig)

    def wait_exit(self, limit: float = 60) -> int:
        try:
            return self.proc.wait(limit)
        except subprocess.TimeoutExpired:
            self.kill()
            raise AssertionError(f"make run did not stop:\n{self.output()}") from None

    def kill(self) -> None:
        """Last resort for a failed test: SIGKILL the group and anything tagged."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        for pid, _ in survivors(self.tag, self.instance):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def survivors(tag: str, instance: Path) -> list[tuple[int, str]]:
    """Live processes carrying the run's tag, or naming its instance folder (redis-server)."""
    marker = f"{TAG}={tag}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if (entry / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z":
                continue  # already dead, waiting to be reaped
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8",
                                                                                   "replace")
            environ = (entry / "environ").read_bytes()
        except OSError:
            continue
        if marker in environ.split(b"\0") or str(instance) in cmdline:
            found.append((int(entry.name), cmdline.strip()))
    return found


def wait_for_no_survivors(tag: str, instance: Path, limit: float = 15) -> list:
    """Poll until nothing of the run is left; return what is still there after `limit` s."""
    deadline = time.monotonic() + limit
    while True:
        left = survivors(tag, instance)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.2)
