"""API fixtures: a funded partner with live and sandbox clients, and a second partner."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import ApiClient, make_partner


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
