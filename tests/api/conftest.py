"""Fixtures shared by the split `/messages` and mobile API test modules."""

from __future__ import annotations

import pytest

from tests.api._messages import ORDER_TEMPLATE
from tests.api._mobile import Mobile, _sign_in, _user


@pytest.fixture
def order_template(api):
    response = api.post("/templates", json=ORDER_TEMPLATE)
    assert response.status_code == 201
    return response.json


@pytest.fixture
def agent(app, tenant):
    """An agent of partner A, signed in to live on a phone."""
    user_id = _user(app, tenant.partner_id, email="agent@acme.example")
    client = app.test_client()
    response = _sign_in(client, "agent@acme.example")
    assert response.status_code == 200, response.json
    mobile = Mobile(client, response.json)
    mobile.user_id = user_id
    return mobile
