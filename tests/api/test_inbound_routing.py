"""Inbound on platform-shared gateways: provider-signed callbacks to `/hooks/<gateway_id>`
are routed to the partner of the receiving number or handle; a partner never sees another's;
an address no route names is held with its raw payload and delivered once a route is added."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import insert, select

from app.extensions import db
from app.models import Gateway, InboundRoute, Message, UnroutedInbound
from app.models.base import new_id, utcnow
from app.services.messaging import gateways, routing
from tests.channels.gateways import _signing

TWILIO_TOKEN = "shared-twilio-token"  # noqa: S105 - a test credential
META_SECRET = "shared-meta-secret"  # noqa: S105
ACME_NUMBER, GLOBEX_NUMBER, NOBODYS_NUMBER = "+15550001111", "+15550002222", "+15550003333"
ACME_PAGE, GLOBEX_PAGE = "104729558376284", "209348572093485"


@pytest.fixture
def shared_sms(app):
    """The platform's shared Twilio gateway (no partner)."""
    with app.app_context():
        return gateways.add_gateway("sms", "twilio", "Platform Twilio", environment="live",
                                    base_url="http://127.0.0.1:9",
                                    credentials={"account_sid": "AC" + "a" * 32,
                                                 "auth_token": TWILIO_TOKEN}).id


@pytest.fixture
def shared_messenger(app):
    """The platform's shared Meta app, receiving for many partners' Facebook pages."""
    with app.app_context():
        return gateways.add_gateway("messenger", "meta_graph", "Platform Meta app",
                                    environment="live", base_url="http://127.0.0.1:9",
                                    credentials={"page_access_token": "EAAG-token",
                                                 "app_secret": META_SECRET,
                                                 "verify_token": "verify"}).id


def _route(app, gateway_id, address, partner_id) -> int:
    with app.app_context():
        _route_row, delivered = routing.add_route(gateway_id, address, partner_id)
        db.session.remove()
    return delivered


def _sms(app, client, gateway_id, to, sid, text="Hi", sender="+15557654321"):
    """An inbound SMS exactly as Twilio posts it, signed with the auth token."""
    params = {"MessageSid": sid, "SmsSid": sid, "AccountSid": "AC" + "a" * 32,
              "From": sender, "To": to, "Body": text, "NumMedia": "0"}
    url = app.config["APP_PUBLIC_URL"].rstrip("/") + f"/hooks/{gateway_id}"
    return client.post(f"/hooks/{gateway_id}", data=params,
                       headers={"X-Twilio-Signature": _signing.twilio(TWILIO_TOKEN, url, params)})


def _messenger(client, gateway_id, page_id, mid, text="Hello page"):
    """A Messenger webhook as Meta posts it, signed with the app secret."""
    body = json.dumps({"object": "page", "entry": [{"id": page_id, "time": 1750000000000,
                       "messaging": [{"sender": {"id": "6795128533870941"},
                                      "recipient": {"id": page_id},
                                      "timestamp": 1750000000500,
                                      "message": {"mid": mid, "text": text}}]}]}).encode()
    return client.post(f"/hooks/{gateway_id}", data=body, content_type="application/json",
                       headers={"X-Hub-Signature-256": _signing.meta(META_SECRET, body)})


def _inbound_texts(api) -> list[str]:
    response = api.get("/messages?direction=inbound&limit=100")
    assert response.status_code == 200, response.json
    return sorted(m["text"] for m in response.json["data"] if m["direction"] == "inbound")


def test_inbound_on_a_shared_gateway_reaches_only_the_routed_partner(
        app, client, tenant, other_tenant, shared_sms, shared_messenger):
    _route(app, shared_sms, ACME_NUMBER, tenant.partner_id)
    _route(app, shared_sms, "+1 (555) 000-2222", other_tenant.partner_id)  # stored as E.164
    _route(app, shared_messenger, ACME_PAGE, tenant.partner_id)
    _route(app, shared_messenger, GLOBEX_PAGE, other_tenant.partner_id)
    assert _sms(app, client, shared_sms, ACME_NUMBER, "SMa1", "for Acme").status_code == 200
    assert _sms(app, client, shared_sms, GLOBEX_NUMBER, "SMg1", "for Globex").status_code == 200
    assert _sms(app, client, shared_sms, GLOBEX_NUMBER, "SMg1", "for Globex").status_code == 200
    assert _messenger(client, shared_messenger, ACME_PAGE, "m_a1",
                      "page of Acme").status_code == 200
    assert _messenger(client, shared_messenger, GLOBEX_PAGE, "m_g1",
                      "page of Globex").status_code == 200
    assert _inbound_texts(tenant.live) == ["for Acme", "page of Acme"]
    assert _inbound_texts(other_tenant.live) == ["for Globex", "page of Globex"]
    assert _inbound_texts(tenant.sandbox) == []
    with app.app_context():
        acme = db.session.scalar(select(Message).where(Message.text == "for Acme"))
        assert (acme.partner_id, acme.environment, acme.gateway_id) == (
            tenant.partner_id, "live", shared_sms)
        assert acme.to_address == ACME_NUMBER
        assert db.session.scalar(select(UnroutedInbound)) is None
    # Neither partner can read the other's inbound message by its id.
    theirs = _inbound_ids(other_tenant.live)
    assert tenant.live.get(f"/messages/{theirs[0]}").status_code == 404


def _inbound_ids(api) -> list[str]:
    return [m["id"] for m in api.get("/messages?direction=inbound").json["data"]]


def test_an_unknown_receiving_address_is_held_then_delivered_once_routed(
        app, client, tenant, other_tenant, shared_sms):
    _route(app, shared_sms, ACME_NUMBER, other_tenant.partner_id)
    first = _sms(app, client, shared_sms, NOBODYS_NUMBER, "SMu1", "anyone there?")
    assert first.status_code == 200
    assert _sms(app, client, shared_sms, NOBODYS_NUMBER, "SMu1", "anyone there?").status_code == 200
    assert _sms(app, client, shared_sms, NOBODYS_NUMBER, "SMu2", "hello?").status_code == 200
    with app.app_context():
        held = routing.list_unrouted()
        assert sorted(h.text for h in held) == ["anyone there?", "hello?"]  # retry kept once
        assert {h.to_address for h in held} == {NOBODYS_NUMBER}
        raw = next(h.raw_payload for h in held if h.text == "anyone there?")
        assert "Body=anyone+there%3F" in raw and "To=%2B15550003333" in raw
        db.session.remove()
    assert _inbound_texts(tenant.live) == [] and _inbound_texts(other_tenant.live) == []

    assert _route(app, shared_sms, NOBODYS_NUMBER, tenant.partner_id) == 2
    assert _inbound_texts(tenant.live) == ["anyone there?", "hello?"]
    assert _inbound_texts(other_tenant.live) == []
    with app.app_context():
        assert routing.list_unrouted() == []
        routed = db.session.scalars(select(UnroutedInbound)).all()
        assert {r.status for r in routed} == {"routed"}
        assert {r.routed_partner_id for r in routed} == {tenant.partner_id}
        db.session.remove()
    # A late provider retry of a delivered message is not delivered twice.
    _sms(app, client, shared_sms, NOBODYS_NUMBER, "SMu1", "anyone there?")
    assert _inbound_texts(tenant.live) == ["anyone there?", "hello?"]


def test_a_message_without_a_receiving_address_is_held_not_dropped(app, client, shared_sms):
    params = {"MessageSid": "SMnoto", "From": "+15557654321", "Body": "no To"}
    url = app.config["APP_PUBLIC_URL"].rstrip("/") + f"/hooks/{shared_sms}"
    response = client.post(f"/hooks/{shared_sms}", data=params, headers={
        "X-Twilio-Signature": _signing.twilio(TWILIO_TOKEN, url, params)})
    assert response.status_code == 200
    with app.app_context():
        (held,) = routing.list_unrouted()
        assert held.to_address is None and held.text == "no To"


def test_a_held_message_without_an_address_is_delivered_to_the_chosen_partner_once(
        app, cli, client, tenant, other_tenant, shared_sms):
    params = {"MessageSid": "SMmanual", "From": "+15557654321", "Body": "which partner?"}
    url = app.config["APP_PUBLIC_URL"].rstrip("/") + f"/hooks/{shared_sms}"
    client.post(f"/hooks/{shared_sms}", data=params, headers={
        "X-Twilio-Signature": _signing.twilio(TWILIO_TOKEN, url, params)})
    with app.app_context():
        (held,) = routing.list_unrouted()
        held_id = held.id
        db.session.remove()
    delivered = cli.invoke(args=["routing", "deliver", "--partner", other_tenant.partner_id,
                                 held_id])
    assert delivered.exit_code == 0, delivered.output
    assert _inbound_texts(other_tenant.live) == ["which partner?"]
    assert _inbound_texts(tenant.live) == []
    again = cli.invoke(args=["routing", "deliver", "--partner", tenant.partner_id, held_id])
    assert again.exit_code != 0 and "already delivered" in again.output
    assert _inbound_texts(tenant.live) == []


def test_removing_a_route_holds_the_next_messages_again(app, client, tenant, shared_sms):
    _route(app, shared_sms, ACME_NUMBER, tenant.partner_id)
    with app.app_context():
        route_id = db.session.scalar(select(InboundRoute.id))
        routing.remove_route(route_id)
    _sms(app, client, shared_sms, ACME_NUMBER, "SMr1", "after removal")
    assert _inbound_texts(tenant.live) == []
    with app.app_context():
        assert [h.text for h in routing.list_unrouted()] == ["after removal"]


@pytest.mark.parametrize("case", ["own_gateway", "taken", "bad_address", "no_partner"])
def test_add_route_refuses_what_cannot_route(app, tenant, other_tenant, shared_sms, case):
    with app.app_context():
        if case == "own_gateway":
            own = gateways.add_gateway("sms", "twilio", "Acme's own", environment="live",
                                       partner_id=tenant.partner_id,
                                       credentials={"account_sid": "AC1", "auth_token": "t"})
            args, code = (own.id, ACME_NUMBER, tenant.partner_id), "invalid_field"
        elif case == "taken":
            routing.add_route(shared_sms, ACME_NUMBER, tenant.partner_id)
            args, code = (shared_sms, ACME_NUMBER, other_tenant.partner_id), "conflict"
        elif case == "bad_address":
            args, code = (shared_sms, "not a number", tenant.partner_id), "invalid_phone_number"
        else:
            args, code = (shared_sms, ACME_NUMBER, "ptr_01HNQX2P8Y9R3T4V5W6Z7A8B9C"), "not_found"
        with pytest.raises(Exception) as refused:  # noqa: PT011 - the ApiError's code is checked
            routing.add_route(*args)
        assert refused.value.entry.code == code
        db.session.rollback()
        assert len(routing.list_routes()) == (1 if case == "taken" else 0)


def test_cli_adds_lists_and_removes_routes_and_delivers_held(app, cli, client, tenant,
                                                             shared_sms):
    _sms(app, client, shared_sms, ACME_NUMBER, "SMc1", "held for the CLI")
    added = cli.invoke(args=["routing", "add", "--gateway", shared_sms, "--partner",
                             tenant.partner_id, ACME_NUMBER])
    assert added.exit_code == 0, added.output
    assert "delivered 1 held message" in added.output
    assert _inbound_texts(tenant.live) == ["held for the CLI"]
    listed = cli.invoke(args=["routing", "list"])
    assert ACME_NUMBER in listed.output and tenant.partner_id in listed.output
    route_id = listed.output.split()[0]
    again = cli.invoke(args=["routing", "add", "--gateway", shared_sms, "--partner",
                             tenant.partner_id, ACME_NUMBER])
    assert again.exit_code != 0 and "already routes" in again.output
    removed = cli.invoke(args=["routing", "remove", route_id])
    assert removed.exit_code == 0 and route_id in removed.output
    assert cli.invoke(args=["routing", "list"]).output.strip() == ""
    _sms(app, client, shared_sms, ACME_NUMBER, "SMc2", "held again")
    assert "to=" + ACME_NUMBER in cli.invoke(args=["routing", "unrouted"]).output


def test_a_route_added_while_an_inbound_message_arrives_delivers_it(app, client, tenant,
                                                                   shared_sms):
    """The route commits after the callback looked for it: the message is still delivered
    (held under the gateway's lock, or routed once the lock is released), never stranded."""
    with app.app_context():
        engine = db.engine
    answers = []
    with engine.connect() as conn:
        adding = conn.begin()
        conn.execute(select(Gateway.id).where(Gateway.id == shared_sms).with_for_update())
        conn.execute(insert(InboundRoute).values(
            id=new_id("rte"), gateway_id=shared_sms, address=ACME_NUMBER,
            partner_id=tenant.partner_id, environment="live", channel="sms",
            created_at=utcnow()))
        arriving = threading.Thread(target=lambda: answers.append(
            _sms(app, app.test_client(), shared_sms, ACME_NUMBER, "SMrace", "in the race")))
        arriving.start()
        arriving.join(1)  # let the callback look for the route while it is uncommitted
        adding.commit()
    arriving.join(60)
    assert [a.status_code for a in answers] == [200]
    assert _inbound_texts(tenant.live) == ["in the race"]
    with app.app_context():
        assert routing.list_unrouted() == []
