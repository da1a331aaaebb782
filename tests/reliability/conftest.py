"""Fixtures of the reliability runs: the whole platform as real processes (see _platform.py),
on a database and a Redis of the test's own, and the run's seed and size."""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade

from app import create_app
from app.extensions import db
from tests.helpers import free_port
from tests.pgcluster import Cluster, require_binaries
from tests.reliability._platform import LOGS, Gunicorn, RedisServer, Workers, postgres_wanted

# Short leases, sweeps and retry delays, so that what a fault interrupts is picked up again
# within seconds; limits high enough that only an outage refuses a call.
SETTINGS = {
    "SEND_RETRY_DELAYS": "0.5", "SEND_LEASE_SECONDS": 10, "STALE_QUEUED_SECONDS": 10,
    "SWEEP_INTERVAL_SECONDS": 3, "SANDBOX_RECEIPT_DELAY": 0.5,
    "WEBHOOK_LEASE_SECONDS": 10, "WEBHOOK_RETRY_DELAYS": "0,1,1,1,2,2,2,2,2,2",
    "WEBHOOK_TIMEOUT_SECONDS": 5, "WEBHOOK_ALLOW_HTTP": "true",
    "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8", "WEBHOOK_ALLOWED_PORTS": "*",
    "IDEMPOTENCY_LOCK_SECONDS": 5, "RATE_LIMIT_SANDBOX": 1_000_000,
    "RATE_LIMIT_LIVE": 1_000_000, "IP_RATE_LIMIT": 1_000_000,
}


@dataclass
class Stack:
    """The running platform, and an app of the test's own on the same database and Redis
    (for setting up and for the checks)."""

    app: Flask
    redis: RedisServer
    postgres: Cluster | None
    web: Gunicorn
    workers: Workers
    backend: str


@pytest.fixture
def stack():
    directory = Path(tempfile.mkdtemp(prefix="switchboard-reliability-"))
    LOGS.mkdir(parents=True, exist_ok=True)
    redis = RedisServer(directory)
    postgres = None
    if postgres_wanted():
        postgres = Cluster(require_binaries(), Path(tempfile.mkdtemp(prefix="switchboard-pg-")))
        postgres.start()
    database = postgres.url if postgres else f"sqlite:///{directory}/switchboard.db"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    settings = {**SETTINGS, "DATABASE_URL": database, "REDIS_URL": redis.url,
                "APP_PUBLIC_URL": base}
    env = {**os.environ, "SWITCHBOARD_ENV": "testing", "INSTANCE_PATH": str(directory),
           **{name: str(value) for name, value in settings.items()}}
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": database,
                      "REDIS_URL": redis.url, "APP_PUBLIC_URL": base})
    with app.app_context():
        upgrade(directory=os.path.join(app.root_path, "migrations"))
        db.session.remove()
    web = workers = None
    try:
        web = Gunicorn(env, port, LOGS / "reliability-web.log")
        workers = Workers(env, 2, LOGS / "reliability-workers.log")
        yield Stack(app, redis, postgres, web, workers,
                    "postgresql" if postgres else "sqlite")
    finally:
        for part in (web, workers):
            if part is not None:
                part.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        redis.stop()
        if postgres:
            with contextlib.suppress(subprocess.CalledProcessError):  # already stopped
                postgres.stop()
            shutil.rmtree(postgres.folder, ignore_errors=True)
        shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def seed(request) -> int:
    """The run's seed: --chaos-seed, else CHAOS_SEED, else a new random one (printed)."""
    chosen = request.config.getoption("--chaos-seed")
    if chosen is None and os.environ.get("CHAOS_SEED"):
        chosen = int(os.environ["CHAOS_SEED"])
    return chosen if chosen is not None else random.SystemRandom().randrange(10**9)


def _long(config) -> bool:
    return bool(config.getoption("--chaos-long")
                or os.environ.get("CHAOS_LONG", "") in ("1", "true", "yes"))


@pytest.fixture
def long_run(request) -> bool:
    """Whether to run the heavy variants (--chaos-long or CHAOS_LONG=1)."""
    return _long(request.config)


def pytest_collection_modifyitems(config, items):
    """The heavy variants run for minutes: give them the time (the suite's default is 300 s)."""
    if not _long(config):
        return
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.timeout(1800))
