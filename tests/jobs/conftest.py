"""Webhook delivery fixtures: local receivers the SSRF guard lets through, retries at once.

`drain` (a real burst worker over the test app's Redis) and `local` (receivers on loopback
allowed) are in tests/conftest.py: the gateway and console tests use them too.
"""

from __future__ import annotations

import pytest

from tests.jobs._webhooks import Receiver


@pytest.fixture
def receiver(httpserver) -> Receiver:
    """A webhook receiver at /hook on the test's HTTP server."""
    return Receiver(httpserver)
