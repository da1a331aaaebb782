"""Property-based hostile input over `/api/mobile` and `/api/internal`, each against its own
OpenAPI document, signed in (an agent's access token; an admin's session cookie and CSRF
token). `/api/v1` has its own, stricter run in tests/api/test_schemathesis.py.

Any 5xx, any status or content type the operation does not document, and any response off
its schema fails. A bounded number of examples per operation keeps the run short.
"""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.api import internal, mobile, openapi, surfaces  # noqa: F401 - declare the endpoints
from app.config import Config
from app.extensions import db
from app.models import Partner
from tests.admin._inbox import sign_in
from tests.api._mobile import _sign_in
from tests.factories import make_partner, make_user

MAX_EXAMPLES = 15
SEED = 20261203
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]
CONFIG = schemathesis.Config.from_dict({
    "seed": SEED,
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none",
                   "mode": "all"},
})


def _document(surface) -> dict:
    return openapi.build(surface, title="Switchboard", version="1.0.0",
                         server_url=Config.APP_PUBLIC_URL)


MOBILE = schemathesis.openapi.from_dict(_document(surfaces.mobile), config=CONFIG)
INTERNAL = schemathesis.openapi.from_dict(_document(surfaces.internal), config=CONFIG)
SETTINGS = hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True,
                               database=None, suppress_health_check=list(hypothesis.HealthCheck))


@pytest.fixture
def team(app):
    """A partner with play money, no practical rate limit, an admin and an agent."""
    with app.app_context():
        provisioned = make_partner(name="Hostile", balance="0", sandbox_balance="100000")
        partner = db.session.get(Partner, provisioned.partner_id)
        partner.rate_limit_sandbox = partner.rate_limit_live = 1_000_000
        db.session.commit()
        make_user("admin", partner_id=provisioned.partner_id, email="admin@hostile.example")
        make_user("agent", partner_id=provisioned.partner_id, email="agent@hostile.example")
    return provisioned


@pytest.fixture
def agent_headers(app, team) -> dict:
    signed_in = _sign_in(app.test_client(), "agent@hostile.example", environment="sandbox")
    assert signed_in.status_code in (200, 201), signed_in.json
    return {"Authorization": f"Bearer {signed_in.json['access_token']}"}


@pytest.fixture
def admin_headers(app, team) -> dict:
    browser = sign_in(app, "admin@hostile.example")
    cookie = browser.client.get_cookie("session")
    assert cookie is not None and browser.token
    return {"Cookie": f"session={cookie.value}", "X-CSRFToken": browser.token}


@MOBILE.parametrize()
@SETTINGS
@pytest.mark.slow
def test_every_mobile_operation_survives_hostile_input(case, app, agent_headers):
    case.call_and_validate(app=app, headers=agent_headers, checks=CHECKS)


@INTERNAL.parametrize()
@SETTINGS
@pytest.mark.slow
def test_every_internal_operation_survives_hostile_input(case, app, admin_headers):
    case.call_and_validate(app=app, headers=admin_headers, checks=CHECKS)
