"""`make run`: one supervisor owns the local platform — embedded Redis, worker and web server.

`flask --app wsgi platform run` (what `make run` starts):

1. refuses at once, in one line, when another run holds the instance folder
   (`run.lock` there) or when the port is taken;
2. starts the embedded Redis (unless REDIS_URL is set) and hands its socket to every child
   through REDIS_URL; applies the migrations; seeds the demo;
3. starts the worker and the web server, each in a session of its own (so Ctrl-C reaches
   the supervisor alone, which stops them in order), waits for /healthz, then prints the
   demo's logins, key and first request;
4. on Ctrl-C, SIGTERM or SIGHUP, or as soon as the web server or the worker exits, stops
   them (SIGTERM; after a grace period SIGKILL, whatever they started included), then
   Redis, and exits.

On Linux the supervisor is its children's subreaper, so what a dying worker leaves (its
work horse, its scheduler) is re-parented to the supervisor and stopped with the rest; and
each child is sent SIGTERM by the kernel if the supervisor itself is killed.
`flask --app wsgi platform stop` (`make stop`) stops a run from another terminal, and an
embedded Redis left behind by a crash.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
from typing import IO

import httpx
import psutil
import redis

from app import embedded_redis

RUN_LOCK, RUN_FILE = "run.lock", "run.json"
GRACE_SECONDS = 10.0  # a worker finishes its current job before it stops
READY_SECONDS = 120.0
_PR_SET_PDEATHSIG, _PR_SET_CHILD_SUBREAPER = 1, 36
_LINUX = sys.platform.startswith("linux")


class Refusal(Exception):
    """The platform cannot start here; the message says what is running and what to do."""


class _Stop(Exception):
    """A stop signal arrived."""


def public_url(host: str, port: int) -> str:
    """The URL a browser on this machine uses for a server bound to host:port."""
    if host in ("", "0.0.0.0", "::", "[::]"):  # noqa: S104 - naming the wildcard, not binding it
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def claim(instance: str, host: str, port: int) -> IO[str]:
    """Take the instance folder for this run, or refuse naming the run that holds it."""
    os.makedirs(instance, exist_ok=True)
    lock = open(os.path.join(instance, RUN_LOCK), "a+")  # noqa: SIM115 - held for the run
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock.close()
        held = read_state(instance)
        where = f"pid {held.get('pid', '?')}, {held.get('url', 'starting')}"
        raise Refusal(f"Switchboard is already running on {instance} ({where}): stop it with "
                      "Ctrl-C in its terminal, or `make stop`.") from None
    return lock


def check_port(host: str, port: int) -> None:
    """Refuse when something already listens on host:port."""
    try:
        family = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM)[0][0]
        socket.create_server((host, port), family=family).close()
    except OSError as exc:
        holder = _listener(port)
        by = f" by pid {holder.pid} ({' '.join(holder.cmdline())[:120]})" if holder else ""
        raise Refusal(f"Port {port} on {host} is already in use{by}: stop that program, or "
                      f"run on another port: make run PORT={port + 1}") from exc


def read_state(instance: str) -> dict:
    """What the current (or last) run recorded in the instance folder."""
    try:
        with open(os.path.join(instance, RUN_FILE)) as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return {}


def run(instance: str, host: str, port: int, redis_url: str, root: str,
        echo=print) -> int:
    """Run Redis, worker and web until a stop signal or a child's exit; return the exit code."""
    lock = claim(instance, host, port)
    try:
        check_port(host, port)
    except Refusal:
        lock.close()
        raise
    url = public_url(host, port)
    children: dict[str, subprocess.Popen] = {}
    own_redis = not redis_url
    previous = {sig: signal.signal(sig, _raise_stop)
                for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    if _LINUX:
        _prctl(_PR_SET_CHILD_SUBREAPER, 1)
    code = 0
    try:
        if own_redis:
            redis_url = embedded_redis.attach(instance)
        env = dict(os.environ, REDIS_URL=redis_url, INSTANCE_PATH=instance,
                   PYTHONUNBUFFERED="1")
        env.setdefault("APP_PUBLIC_URL", url)
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        _write_state(instance, pid=os.getpid(), url=url, redis=embedded_redis.owned_pid(instance))
        _step(flask + ["db", "upgrade"], env, root)
        seeded = _step(flask + ["demo", "seed"], env, root, capture=True)
        children["worker"] = _spawn(flask + ["worker"], env, root)
        children["web"] = _spawn(flask + ["run", "--host", host, "--port", str(port),
                                          "--no-reload"], env, root)
        _write_state(instance, pid=os.getpid(), url=url,
                     redis=embedded_redis.owned_pid(instance),
                     **{name: child.pid for name, child in children.items()})
        _wait_ready(url, redis_url, children)
        redis_where = embedded_redis.socket_path(instance) if own_redis else "REDIS_URL"
        echo(f"\nSwitchboard is running at {url}/ (web pid {children['web'].pid}, worker pid "
             f"{children['worker'].pid}, Redis: {redis_where}).\n\n{seeded.rstrip()}\n\n"
             "Ctrl-C here, or `make stop` from another terminal, stops web, worker and Redis.")
        while True:
            _exited(children)
            time.sleep(0.3)
    except _Stop:
        echo("\nStopping Switchboard ...")
    except (_ChildExited, embedded_redis.EmbeddedRedisError) as exc:
        echo(f"\n{exc}; stopping Switchboard ...")
        code = 1
    finally:
        for sig in previous:
            signal.signal(sig, _ignore)  # a second Ctrl-C must not cut the teardown short
        _stop_children(children)
        if own_redis:
            embedded_redis.stop(instance)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(os.path.join(instance, RUN_FILE))
        lock.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    echo("Switchboard stopped.")
    return code


def stop(instance: str, echo=print) -> bool:
    """Stop the run holding the instance folder, and a Redis left by a crash; True if any."""
    stopped = False
    state = read_state(instance)
    if _locked(instance) and state.get("pid"):
        pid = int(state["pid"])
        echo(f"Stopping Switchboard (pid {pid}, {state.get('url', '')}) ...")
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS + embedded_redis.STOP_SECONDS + 10
        while _locked(instance) and time.monotonic() < deadline:
            time.sleep(0.2)
        if _locked(instance):  # it did not stop in time: everything it recorded, by force
            for name in ("web", "worker", "pid", "redis"):
                with contextlib.suppress(ProcessLookupError, TypeError, ValueError):
                    os.kill(int(state.get(name)), signal.SIGKILL)
        echo("Stopped.")
        stopped = True
    owner = embedded_redis.owner(instance)
    if owner is not None:
        echo(f"The embedded Redis belongs to pid {owner}, still running: stop that process.")
    else:
        left = embedded_redis.stop_orphan(instance)
        if left:
            echo(f"Stopped the embedded Redis left running by an earlier run (pid {left}).")
            stopped = True
    if not stopped and owner is None:
        echo(f"Nothing of Switchboard is running on {instance}.")
    return stopped


class _ChildExited(Exception):
    pass


def _raise_stop(_signum, _frame) -> None:
    raise _Stop


def _ignore(_signum, _frame) -> None:
    pass


def _prctl(option: int, value: int) -> None:
    ctypes.CDLL(None, use_errno=True).prctl(option, value)


def _locked(instance: str) -> bool:
    try:
        with open(os.path.join(instance, RUN_LOCK)) as lock:
            fcntl.flock(lock, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    except FileNotFoundError:
        return False
    return False


def _write_state(instance: str, **state) -> None:
    path = os.path.join(instance, RUN_FILE)
    with open(path + ".tmp", "w") as fh:
        json.dump(state, fh)
    os.replace(path + ".tmp", path)


def _spawn(args: list[str], env: dict, root: str, **kwargs) -> subprocess.Popen:
    """A child in a session of its own, told by Linux to stop if the supervisor dies."""
    hook = None
    if _LINUX:
        prctl = ctypes.CDLL(None, use_errno=True).prctl

        def hook() -> None:
            prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)

    return subprocess.Popen(args, env=env, cwd=root, stdin=subprocess.DEVNULL,  # noqa: S603
                            start_new_session=True, preexec_fn=hook, **kwargs)


def _step(args: list[str], env: dict, root: str, capture: bool = False) -> str:
    """Run one preparation command to its end; a stop signal ends it too."""
    child = _spawn(args, env, root, stdout=subprocess.PIPE if capture else None, text=True)
    try:
        output, _ = child.communicate()
    except BaseException:
        _stop_children({"step": child})
        raise
    if child.returncode != 0:
        raise _ChildExited(f"`{' '.join(args[3:])}` failed (exit {child.returncode})"
                           + (f":\n{output}" if output else ""))
    return output or ""


def _exited(children: dict[str, subprocess.Popen]) -> None:
    for name, child in children.items():
        if child.poll() is not None:
            raise _ChildExited(f"The {name} exited (code {child.returncode})")


def _wait_ready(url: str, redis_url: str, children: dict[str, subprocess.Popen]) -> None:
    """Until /healthz answers 200 and the worker waits for jobs (so its start-up log is out)."""
    client = redis.Redis.from_url(redis_url, socket_timeout=2)
    deadline = time.monotonic() + READY_SECONDS
    try:
        while time.monotonic() < deadline:
            _exited(children)
            with contextlib.suppress(httpx.HTTPError, redis.RedisError):
                if httpx.get(url + "/healthz", timeout=2).status_code == 200 and any(
                        client.hget(key, "state") == b"idle"
                        for key in client.smembers("rq:workers")):
                    return
            time.sleep(0.25)
    finally:
        client.close()
    raise _ChildExited(f"Not ready within {READY_SECONDS:.0f} s ({url}/healthz, an idle worker)")


def _stop_children(children: dict[str, subprocess.Popen]) -> None:
    """SIGTERM the children, then SIGKILL whatever of them (and what they started) remains."""
    me = psutil.Process()
    redis_pids = embedded_redis.owned_pids()
    tree = [psutil.Process(c.pid) for c in children.values() if c.poll() is None]
    for process in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.send_signal(signal.SIGTERM)
    _, alive = psutil.wait_procs(tree, timeout=GRACE_SECONDS)
    for process in alive:  # RQ: a second SIGTERM is a cold stop, which stops its work horse
        with contextlib.suppress(psutil.NoSuchProcess):
            process.send_signal(signal.SIGTERM)
    psutil.wait_procs(alive, timeout=5)
    # Anything still running that we started or adopted (as subreaper), but not Redis yet.
    leftovers = [p for p in _descendants(me, tree) if p.pid not in redis_pids]
    for process in leftovers:
        with contextlib.suppress(psutil.NoSuchProcess):
            process.kill()
    psutil.wait_procs(leftovers, timeout=5)
    for child in children.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(1)


def _descendants(me: psutil.Process, tree: list[psutil.Process]) -> list[psutil.Process]:
    found = {p.pid: p for p in me.children(recursive=True)}
    for process in tree:
        with contextlib.suppress(psutil.NoSuchProcess):
            found.setdefault(process.pid, process)
            found.update({p.pid: p for p in process.children(recursive=True)})
    return [p for p in found.values() if p.is_running()]


def _listener(port: int) -> psutil.Process | None:
    with contextlib.suppress(psutil.Error, OSError):
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
                return psutil.Process(conn.pid)
    return None
