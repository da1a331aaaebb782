"""A command that opens the embedded Redis on its own leaves nothing running, however it ends."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
import redis

from tests.e2e._platform import ROOT, Run, survivors, wait_for_no_survivors

pytestmark = pytest.mark.slow

# A command of our own that leaves SIGTERM at its default: opens Redis, then waits or fails.
SCRIPT = """
import sys, time
from app import create_app
from app.extensions import redis_connection
app = create_app()
with app.app_context():
    redis_connection.client.set("first-opened-by", sys.argv[1], nx=True)
    redis_connection.client.set("last-opened-by", sys.argv[1])
    print("ready", redis_connection.url(), flush=True)
    if sys.argv[1] == "raise":
        raise RuntimeError("a command failing after it opened Redis")
    time.sleep(120)
"""


@pytest.fixture
def run(tmp_path):
    started = Run(tmp_path / "instance", 0)
    started.instance.mkdir(parents=True)
    yield started
    started.kill()


def _script(run: Run, mode: str) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, mode], cwd=ROOT, text=True,
                            env=run.env(SWITCHBOARD_ENV="development"),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    line = proc.stdout.readline()
    assert line.startswith("ready unix://" + str(run.instance / "redis.sock")), \
        line + proc.stderr.read()
    return proc


def _worker(run: Run) -> subprocess.Popen:
    env = run.env(SWITCHBOARD_ENV="development")
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "db", "upgrade"], cwd=ROOT,
                   env=env, check=True, capture_output=True)
    proc = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    client = redis.Redis(unix_socket_path=str(run.instance / "redis.sock"))
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            # Idle: in its loop, past installing its own signal handlers (registering is not).
            if any(client.hget(key, "state") == b"idle" for key in client.smembers("rq:workers")):
                return proc
        except redis.ConnectionError:
            pass
        assert proc.poll() is None, "the worker exited before it started"
        time.sleep(0.2)
    raise AssertionError("the worker never registered")


def _redis_servers(run: Run) -> list:
    return [p for p in survivors(run.tag, run.instance) if "redis-server" in p[1]]


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_worker_stopped_by_a_signal_stops_its_embedded_redis(run, sig):
    worker = _worker(run)
    assert len(_redis_servers(run)) == 1
    worker.send_signal(sig)
    worker.wait(60)
    assert wait_for_no_survivors(run.tag, run.instance) == []


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGKILL])
def test_a_command_ended_by_a_signal_leaves_no_redis_server(run, sig):
    command = _script(run, "wait")
    assert len(_redis_servers(run)) == 1
    command.send_signal(sig)
    command.wait(60)
    assert wait_for_no_survivors(run.tag, run.instance) == []


def test_a_command_failing_with_an_exception_leaves_no_redis_server(run):
    command = _script(run, "raise")
    assert command.wait(60) == 1
    assert "a command failing after it opened Redis" in command.stderr.read()
    assert wait_for_no_survivors(run.tag, run.instance) == []


def test_a_second_command_uses_the_running_server_and_leaves_it_to_its_owner(run):
    owner = _script(run, "wait")
    servers = _redis_servers(run)
    guest = _script(run, "raise")  # same socket: it attached, it did not start another
    guest.wait(60)
    assert _redis_servers(run) == servers  # the guest's end did not stop the owner's server
    client = redis.Redis(unix_socket_path=str(run.instance / "redis.sock"))
    assert client.get("last-opened-by") == b"raise"
    client.close()
    owner.send_signal(signal.SIGTERM)
    owner.wait(60)
    assert wait_for_no_survivors(run.tag, run.instance) == []


def test_data_outlives_the_server(run):
    command = _script(run, "keep")
    command.send_signal(signal.SIGTERM)
    command.wait(60)
    again = _script(run, "wait")  # a new server on the same folder loads what was saved
    client = redis.Redis(unix_socket_path=str(run.instance / "redis.sock"))
    assert client.get("first-opened-by") == b"keep"
    client.close()
    again.send_signal(signal.SIGTERM)
    again.wait(60)
