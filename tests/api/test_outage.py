"""A database outage: every surface answers 503 `service_unavailable` with `Retry-After`
(never a 500, never a hang past the configured timeouts), /healthz names the dependency that
is down, and the app recovers by itself once the database is back."""

from __future__ import annotations

import contextlib
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from tests.admin._console import submit
from tests.admin._inbox import sign_in
from tests.factories import make_partner, make_user
from tests.pgcluster import Cluster, require_binaries

SEND = {"channel": "sms", "to": "+15551234567", "text": "Hello"}


def _migrated_app(database_url: str, **settings):
    application = create_app({"ENV_NAME": "testing", "DATABASE_URL": database_url,
                              "DATABASE_CONNECT_TIMEOUT_SECONDS": 2,
                              "DATABASE_POOL_TIMEOUT_SECONDS": 2,
                              "UNAVAILABLE_RETRY_AFTER_SECONDS": 7, **settings})
    with application.app_context():
        upgrade(directory=str(Path(application.root_path) / "migrations"))
        db.session.remove()
    return application


@pytest.fixture(scope="module")
def cluster(app):
    """A PostgreSQL of this module's own, which its tests stop and start."""
    bin_dir = require_binaries()
    folder = Path(tempfile.mkdtemp(prefix="switchboard-pg-"))
    running = Cluster(bin_dir, folder)
    running.start()
    yield running
    with contextlib.suppress(subprocess.CalledProcessError):  # a failed test stopped it
        running.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def pg_app(cluster):
    application = _migrated_app(cluster.url)
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


def _assert_unavailable(response, *, html: bool = False) -> None:
    assert response.status_code == 503, response.get_data(as_text=True)
    assert response.headers["Retry-After"] == "7"
    if html:
        text = response.get_data(as_text=True)
        assert response.mimetype == "text/html" and "Service unavailable" in text
        assert "Traceback" not in text and "psycopg" not in text and "sqlite" not in text
        return
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["code"] == "service_unavailable" and body["status"] == 503
    assert body["type"].endswith("/errors/service-unavailable")


def test_postgresql_stopped_answers_503_everywhere_then_recovers(pg_app, cluster):
    with pg_app.app_context():
        provisioned = make_partner("Outage Inc")
        make_user("operator", None, email="ops@outage.example")
        db.session.remove()
    key = {"Authorization": f"Bearer {provisioned.live_key}"}
    client = pg_app.test_client()
    ops = sign_in(pg_app, "ops@outage.example")
    assert client.get("/api/v1/balance", headers=key).status_code == 200
    assert client.get("/healthz").status_code == 200

    cluster.stop()
    try:
        _assert_unavailable(client.get("/api/v1/balance", headers=key))
        _assert_unavailable(client.post("/api/v1/messages", json=SEND,
                                        headers={**key, "Idempotency-Key": "outage-1"}))
        _assert_unavailable(client.get("/api/mobile/conversations",
                                       headers={"Authorization": "Bearer mt_" + "A" * 40}))
        _assert_unavailable(submit(ops, "/api/internal/operator/partners", {"name": "Initech"}))
        _assert_unavailable(client.post("/hooks/gw_01HNQX2P8Y9R3T4V5W6Z7A8B9C", data=b"{}"))
        _assert_unavailable(ops.client.get("/admin/operator/", headers={"Accept": "text/html"}),
                            html=True)
        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.json == {"status": "unavailable",
                               "checks": {"database": "unavailable", "redis": "ok"}}
        assert health.headers["Retry-After"] == "7"
    finally:
        cluster.start()

    # No restart: the pool replaces the connections the outage broke.
    assert client.get("/healthz").status_code == 200
    assert client.get("/api/v1/balance", headers=key).status_code == 200
    sent = client.post("/api/v1/messages", json=SEND,
                       headers={**key, "Idempotency-Key": "outage-1"})
    assert sent.status_code == 202, sent.get_data(as_text=True)
    assert ops.client.get("/admin/operator/").status_code == 200


def _silent_server():
    """A TCP port that accepts connections and never says a word (a hung database host)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    return listener


def test_a_database_that_never_answers_is_503_after_the_connect_timeout(app):
    """Without `connect_timeout` the request would wait on the silent server for ever."""
    listener = _silent_server()
    port = listener.getsockname()[1]
    hung = create_app({"ENV_NAME": "testing", "DATABASE_CONNECT_TIMEOUT_SECONDS": 1,
                       "UNAVAILABLE_RETRY_AFTER_SECONDS": 7,
                       "DATABASE_URL": f"postgresql://postgres@127.0.0.1:{port}/none"})
    answers = []
    caller = threading.Thread(target=lambda: answers.append(hung.test_client().get(
        "/api/v1/balance", headers={"Authorization": "Bearer ak_live_" + "A" * 36})))
    caller.start()
    caller.join(120)  # a bound far above the 1 s timeout: fails rather than hangs the suite
    listener.close()
    assert answers, "the request hung on a database that never answered"
    _assert_unavailable(answers[0])


def test_a_locked_sqlite_database_is_503_after_the_busy_timeout(app, tmp_path):
    """A writer holding SQLite's lock (a backup, a stuck process): writes answer 503."""
    path = tmp_path / "locked.db"
    locked = _migrated_app(f"sqlite:///{path}", DATABASE_BUSY_TIMEOUT_SECONDS=0.2)
    with locked.app_context():
        provisioned = make_partner("Locked Ltd")
        db.session.remove()
    key = {"Authorization": f"Bearer {provisioned.live_key}"}
    client = locked.test_client()
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        _assert_unavailable(client.post("/api/v1/messages", json=SEND,
                                        headers={**key, "Idempotency-Key": "locked-1"}))
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    sent = client.post("/api/v1/messages", json=SEND,
                       headers={**key, "Idempotency-Key": "locked-1"})
    assert sent.status_code == 202, sent.get_data(as_text=True)
    with locked.app_context():
        db.engine.dispose()
