"""A throw-away PostgreSQL cluster a test may stop and start: `initdb` and `pg_ctl` in a
temporary folder, on a free port, as the `postgres` user when the tests run as root."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.helpers import free_port


def binaries() -> Path | None:
    """The newest PostgreSQL server's bin folder on this machine, or None."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
                   key=lambda p: int(Path(p).parent.parent.name))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


def require_binaries() -> Path:
    """The bin folder; a skip on a laptop without PostgreSQL, a failure under CI."""
    found = binaries()
    if found is None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) are required under CI")
        pytest.skip("no PostgreSQL server binaries (initdb, pg_ctl) on this machine")
    return found


class Cluster:
    """One cluster: `start()`, `stop()` (immediate, as a crash or a lost server would be)."""

    def __init__(self, bin_dir: Path, folder: Path):
        self.bin = bin_dir
        self.folder = folder
        self.data = folder / "data"
        self.port = free_port()
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        if os.geteuid() == 0:  # initdb refuses root; the server runs as `postgres`
            shutil.chown(folder, "postgres")
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", "postgres",
                  "--no-sync", "-E", "UTF8")

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 "
                   "-c fsync=off -c full_page_writes=off")
        self._run("pg_ctl", "-D", str(self.data), "-o", options, "-l",
                  str(self.folder / "server.log"), "-w", "-t", "60", "start")

    def stop(self) -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
