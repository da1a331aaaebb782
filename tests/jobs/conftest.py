"""Delivery-engine fixtures: a real RQ worker in burst mode over the test app's Redis."""

from __future__ import annotations

import pytest

from jobs.worker import run_worker
from tests.helpers import set_config
from tests.jobs._webhooks import Receiver


@pytest.fixture
def drain(app):
    """Run a forking burst worker on every queue until they are empty."""

    def run(application=None):
        target = application or app
        run_worker(target, list(target.config["RQ_QUEUES"]), burst=True)

    return run


@pytest.fixture
def local(app, monkeypatch):
    """Let webhooks reach the local test receivers, and retry at once (four attempts)."""
    settings = {"WEBHOOK_ALLOW_HTTP": True, "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
                "WEBHOOK_ALLOWED_PORTS": "*", "WEBHOOK_RETRY_DELAYS": "0,0,0,0",
                "WEBHOOK_TIMEOUT_SECONDS": 5}
    for key, value in settings.items():
        set_config(monkeypatch, app, key, value)
    return lambda key, value: set_config(monkeypatch, app, key, value)


@pytest.fixture
def receiver(httpserver) -> Receiver:
    """A webhook receiver at /hook on the test's HTTP server."""
    return Receiver(httpserver)
