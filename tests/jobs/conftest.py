"""Webhook delivery fixtures: local receivers the SSRF guard lets through, retries at once.

`drain` (a real burst worker over the test app's Redis) is in tests/conftest.py: the
gateway tests under tests/channels/ use it too.
"""

from __future__ import annotations

import pytest

from tests.helpers import set_config
from tests.jobs._webhooks import Receiver


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
