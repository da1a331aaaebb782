"""The operator console's inbound routing page: held (unrouted) inbound messages with their
raw payload, adding a route (which delivers them), removing one; forms need the CSRF token,
and only operators may see the page or make the calls."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import InboundRoute, Message, UnroutedInbound
from app.services.messaging import gateways
from tests.admin._console import operator, submit
from tests.admin._inbox import make_team, sign_in
from tests.channels.gateways import _signing

TOKEN = "console-twilio-token"  # noqa: S105 - a test credential
NUMBER = "+15550004444"
PAGE = "/admin/operator/routing"


@pytest.fixture
def shared_sms(app):
    with app.app_context():
        return gateways.add_gateway("sms", "twilio", "Platform Twilio", environment="live",
                                    credentials={"account_sid": "AC" + "b" * 32,
                                                 "auth_token": TOKEN}).id


def _inbound(app, gateway_id: str, text: str) -> None:
    params = {"MessageSid": "SM" + text.replace(" ", ""), "From": "+15557654321",
              "To": NUMBER, "Body": text}
    url = app.config["APP_PUBLIC_URL"].rstrip("/") + f"/hooks/{gateway_id}"
    response = app.test_client().post(f"/hooks/{gateway_id}", data=params, headers={
        "X-Twilio-Signature": _signing.twilio(TOKEN, url, params)})
    assert response.status_code == 200


def _partner_inbound(app, partner_id: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Message.text).where(
            Message.partner_id == partner_id, Message.direction == "inbound")))


def test_operator_sees_held_inbound_adds_a_route_and_removes_it(app, shared_sms):
    team = make_team(app)
    _inbound(app, shared_sms, "lost and found")
    ops = operator(app)
    page = ops.get(PAGE)
    assert page.status_code == 200 and "HX-Request" in page.headers["Vary"]
    html = page.get_data(as_text=True)
    assert "lost and found" in html and "Body=lost+and+found" in html  # the raw payload
    assert f'<option value="{shared_sms}">' in html and team.partner_id in html

    added = submit(ops, "/api/internal/operator/routes", {
        "gateway_id": shared_sms, "address": NUMBER, "partner_id": team.partner_id},
        next_page=PAGE)
    assert added.status_code == 204 and added.headers["HX-Redirect"] == PAGE
    assert _partner_inbound(app, team.partner_id) == ["lost and found"]
    html = ops.get(PAGE).get_data(as_text=True)
    assert "1 held message delivered" in html
    assert NUMBER in html and "Nothing held" in html

    again = submit(ops, "/api/internal/operator/routes", {
        "gateway_id": shared_sms, "address": NUMBER, "partner_id": team.partner_id},
        next_page=PAGE, hx=False)
    assert again.status_code == 303  # a plain post: back to the page, the problem flashed
    assert "already routes to" in ops.get(PAGE).get_data(as_text=True)
    with app.app_context():
        route_id = db.session.scalar(select(InboundRoute.id))
    removed = submit(ops, f"/api/internal/operator/routes/{route_id}/delete", next_page=PAGE,
                     hx=False)
    assert removed.status_code == 303
    assert "No routes." in ops.get(PAGE).get_data(as_text=True)


def test_route_forms_need_the_csrf_token(app, shared_sms):
    team = make_team(app)
    ops = operator(app)
    ops.get(PAGE)
    refused = ops.post("/api/internal/operator/routes", {
        "idempotency_key": "k1", "gateway_id": shared_sms, "address": NUMBER,
        "partner_id": team.partner_id}, csrf=False, hx=True)
    assert refused.status_code == 403
    with app.app_context():
        assert db.session.scalar(select(InboundRoute)) is None


def test_only_operators_see_routing_or_change_it(app, shared_sms):
    team = make_team(app)
    for email in ("admin@acme.example", "agent@acme.example"):
        browser = sign_in(app, email)
        assert browser.get(PAGE).status_code == 403
        refused = browser.client.post("/api/internal/operator/routes", json={
            "gateway_id": shared_sms, "address": NUMBER, "partner_id": team.partner_id},
            headers={"X-CSRFToken": browser.token})
        assert (refused.status_code, refused.json["code"]) == (403, "forbidden")
    assert app.test_client().get(PAGE).status_code == 302  # to the sign-in page
    with app.app_context():
        assert db.session.scalar(select(InboundRoute)) is None


def test_operator_delivers_a_held_message_to_a_chosen_partner(app, shared_sms):
    team = make_team(app)
    _inbound(app, shared_sms, "pick me")
    with app.app_context():
        held_id = db.session.scalar(select(UnroutedInbound.id))
    ops = operator(app)
    assert f"/api/internal/operator/unrouted/{held_id}/deliver" in ops.get(PAGE).get_data(
        as_text=True)
    answer = submit(ops, f"/api/internal/operator/unrouted/{held_id}/deliver",
                    {"partner_id": team.partner_id}, next_page=PAGE)
    assert answer.status_code == 204
    assert _partner_inbound(app, team.partner_id) == ["pick me"]
    assert "Nothing held" in ops.get(PAGE).get_data(as_text=True)
