"""A database outage: every surface answers 503 `service_unavailable` with `Retry-After`
(never a 500, never a hang past the configured timeouts), /healthz names the dependency that
is down, and the app recovers by itself once the database is back."""

from __future__ import annotations

import contextlib
import json
import shutil
import socket
import sqlite3
import subprocess
import tempfile
import threading
from pathlib import Path

import httpx
import psycopg
import pytest
from flask_migrate import upgrade
from sqlalchemy import exc as sa_exc

from app import create_app
from app.errors import unexpected
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


@pytest.fixture(scope="module")
def server_settings(cluster, pg_app) -> dict:
    """This module's live server (`flask run` and a worker) uses the stoppable PostgreSQL."""
    return {"DATABASE_URL": cluster.url, "DATABASE_CONNECT_TIMEOUT_SECONDS": 2,
            "DATABASE_POOL_TIMEOUT_SECONDS": 2, "UNAVAILABLE_RETRY_AFTER_SECONDS": 7}


def _assert_unavailable(response, *, html: bool = False) -> None:
    text = response.text if isinstance(response, httpx.Response) else response.get_data(
        as_text=True)
    assert response.status_code == 503, text
    assert response.headers["Retry-After"] == "7"
    if html:
        assert response.headers["Content-Type"].startswith("text/html")
        assert "Service unavailable" in text
        assert "Traceback" not in text and "psycopg" not in text and "sqlite" not in text
        return
    assert response.headers["Content-Type"] == "application/problem+json"
    body = json.loads(text)
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


def test_a_running_server_answers_503_while_postgresql_is_down_and_recovers(
        pg_app, cluster, live_server):
    """Over HTTP, from `flask run`'s threads and pool: each answer within the client's
    timeout (a hang would fail the call), 503 while down, 200 again without a restart."""
    with pg_app.app_context():
        key = {"Authorization": f"Bearer {make_partner('Live Outage').live_key}"}
        db.session.remove()
    http = httpx.Client(base_url=live_server, timeout=30)
    assert http.get("/api/v1/balance", headers=key).status_code == 200
    cluster.stop()
    try:
        for _ in range(3):  # the pool's broken connections, then refused new ones
            _assert_unavailable(http.get("/api/v1/balance", headers=key))
        health = http.get("/healthz")
        assert health.status_code == 503 and health.json()["checks"]["database"] == "unavailable"
    finally:
        cluster.start()
    assert http.get("/healthz").status_code == 200
    assert http.get("/api/v1/balance", headers=key).status_code == 200


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


@pytest.mark.parametrize(("orig", "code"), [
    (sqlite3.OperationalError("database is locked"), "service_unavailable"),
    (sqlite3.OperationalError("no such table: messages"), "internal_error"),
    (psycopg.OperationalError("connection failed: Connection refused"), "service_unavailable"),
    (psycopg.errors.AdminShutdown(), "service_unavailable"),
    (psycopg.errors.TooManyConnections(), "service_unavailable"),
    (psycopg.errors.SerializationFailure(), "internal_error"),
    (psycopg.errors.DeadlockDetected(), "internal_error"),
])
def test_only_an_unreachable_database_is_503_not_a_bug_in_a_query(app, orig, code):
    with app.test_request_context("/api/v1/balance"):
        answer = unexpected(sa_exc.OperationalError("SELECT 1", {}, orig))
    assert answer.entry.code == code
    assert ("Retry-After" in answer.headers) == (code == "service_unavailable")


@pytest.fixture
def shared_redis_down(app):
    """The test session's database, and a Redis address nothing listens on."""
    return create_app({"ENV_NAME": "testing", "REDIS_URL": "redis://127.0.0.1:1/0",
                       "UNAVAILABLE_RETRY_AFTER_SECONDS": 7})


def test_redis_down_is_never_a_500_and_healthz_names_it(app, tenant, shared_redis_down):
    """Queues and rate limits degrade (the sweeper enqueues later); every surface answers."""
    client = shared_redis_down.test_client()
    key = {"Authorization": f"Bearer {tenant.live.key}"}
    assert client.get("/api/v1/balance", headers=key).status_code == 200
    sent = client.post("/api/v1/messages", json=SEND, headers={**key, "Idempotency-Key": "r1"})
    assert sent.status_code == 202, sent.get_data(as_text=True)
    assert client.get("/api/mobile/conversations", headers={
        "Authorization": "Bearer mt_" + "A" * 40}).status_code == 401
    assert client.post("/hooks/gw_01HNQX2P8Y9R3T4V5W6Z7A8B9C", data=b"{}").status_code == 404
    assert client.get("/admin/login").status_code == 200
    health = client.get("/healthz")
    assert health.status_code == 503 and health.headers["Retry-After"] == "7"
    assert health.json["checks"] == {"database": "ok", "redis": "unavailable"}
