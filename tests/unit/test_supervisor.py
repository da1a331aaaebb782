"""The supervisor's and the embedded Redis's decisions that need no process to prove."""

from __future__ import annotations

import socket

import pytest

from app import embedded_redis, supervisor


@pytest.mark.parametrize(("host", "url"), [
    ("127.0.0.1", "http://127.0.0.1:5000"),
    ("0.0.0.0", "http://127.0.0.1:5000"),  # a wildcard bind is browsed on the loopback
    ("::", "http://127.0.0.1:5000"),
    ("::1", "http://[::1]:5000"),
    ("localhost", "http://localhost:5000"),
])
def test_printed_url_is_one_a_browser_on_this_machine_opens(host, url):
    assert supervisor.public_url(host, 5000) == url


def test_an_instance_folder_too_deep_for_a_unix_socket_is_refused_with_the_way_out(tmp_path):
    deep = tmp_path / ("d" * 120)
    with pytest.raises(embedded_redis.EmbeddedRedisError, match="shorter INSTANCE_PATH"):
        embedded_redis.attach(str(deep))
    assert not deep.exists()


def test_a_busy_port_is_refused_in_one_line_naming_another_port():
    with socket.create_server(("127.0.0.1", 0)) as busy:
        port = busy.getsockname()[1]
        with pytest.raises(supervisor.Refusal) as refused:
            supervisor.check_port("127.0.0.1", port)
    message = str(refused.value)
    assert "\n" not in message and f"Port {port} on 127.0.0.1 is already in use" in message
    assert f"make run PORT={port + 1}" in message


def test_a_held_instance_is_refused_naming_the_run_and_how_to_stop_it(tmp_path):
    held = supervisor.claim(str(tmp_path), "127.0.0.1", 5000)
    try:
        (tmp_path / supervisor.RUN_FILE).write_text('{"pid": 4242, "url": "http://x:1"}')
        with pytest.raises(supervisor.Refusal) as refused:
            supervisor.claim(str(tmp_path), "127.0.0.1", 5001)
    finally:
        held.close()
    assert str(refused.value) == (f"Switchboard is already running on {tmp_path} (pid 4242, "
                                  "http://x:1): stop it with Ctrl-C in its terminal, or "
                                  "`make stop`.")
    supervisor.claim(str(tmp_path), "127.0.0.1", 5000).close()  # free once the run ends
