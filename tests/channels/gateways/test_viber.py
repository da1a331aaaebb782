"""A live Viber gateway speaking the REST Bot API, against a local fake Viber.

Covers `send_message` as built, Viber's in-body status codes mapped to the outcome, and
callbacks signed with `X-Viber-Content-Signature`: receipts and inbound messages.
"""

from __future__ import annotations

import json
from functools import partial

import pytest
from sqlalchemy import select

from app.channels.gateways import InvalidSignature
from app.channels.gateways.viber import ViberAdapter
from app.extensions import db
from app.models import Contact, Conversation, Message, MessageEvent
from app.services.messaging import gateways
from tests.channels.gateways import _signing
from tests.helpers import gateway_config, outbound

TOKEN = "445da6az1s345z78-dazcczb2542zv51a-e0vc5fva17480im9"
USER = "01234567890A="
MESSAGE_TOKEN = 5741311803571721087


@pytest.fixture
def viber(app, tenant, httpserver):
    """A partner-owned live Viber gateway pointed at the fake Viber."""
    with app.app_context():
        gateway = gateways.add_gateway(
            "viber", "viber", "Acme on Viber (fake)", partner_id=tenant.partner_id,
            environment="live", base_url=httpserver.url_for("/").rstrip("/"),
            credentials={"auth_token": TOKEN},
            settings={"sender_name": "Acme", "sender_avatar": "https://acme.example/a.png"})
        return gateway.id


# This module's gateway and send: the shared builders with Viber values.
_config = partial(gateway_config, "viber", channel="viber", credentials={"auth_token": TOKEN},
                  settings={"sender_name": "Acme"})
_outbound = partial(outbound, "viber", to=USER, text="Your table is ready")


def _answers(httpserver, body):
    httpserver.expect_request("/pa/send_message", method="POST").respond_with_json(body)


def _accepts(httpserver, token=MESSAGE_TOKEN):
    _answers(httpserver, {"status": 0, "status_message": "ok", "message_token": token,
                          "chat_hostname": "SN-CHAT-05_"})


def _callback(client, gateway_id, event, token=TOKEN, sign=True):
    body = json.dumps(event).encode()
    headers = {"Content-Type": "application/json"}
    if sign:
        headers["X-Viber-Content-Signature"] = _signing.viber(token, body)
    return client.post(f"/hooks/{gateway_id}", data=body, headers=headers)


def _send(tenant):
    sent = tenant.live.post("/messages", json={"channel": "viber", "to": USER,
                                               "text": "Your table is ready"})
    assert sent.status_code == 202, sent.json
    return sent.json["id"]


def _statuses(app, message_id):
    with app.app_context():
        return [e.status for e in db.session.scalars(
            select(MessageEvent).where(MessageEvent.message_id == message_id)
            .order_by(MessageEvent.sequence))]


def test_live_send_posts_send_message_with_the_auth_token(app, tenant, viber, httpserver,
                                                          drain):
    _accepts(httpserver)
    message_id = _send(tenant)
    drain()
    request, _ = httpserver.log[0]
    assert request.headers["X-Viber-Auth-Token"] == TOKEN
    assert request.json == {"receiver": USER, "type": "text", "text": "Your table is ready",
                            "sender": {"name": "Acme",
                                       "avatar": "https://acme.example/a.png"}}
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert message.status == "sent" and message.provider_message_id == str(MESSAGE_TOKEN)


def test_a_partner_from_names_the_sender_within_vibers_limit(app_ctx, httpserver):
    _accepts(httpserver)
    result = ViberAdapter().send(_outbound(from_="Acme Restaurants International Group"),
                                 _config(httpserver))
    assert result.accepted
    assert httpserver.log[0][0].json["sender"] == {"name": "Acme Restaurants International"[:28]}


@pytest.mark.parametrize(("status", "name", "failure"), [
    (5, "receiverNotRegistered", "permanent"),
    (6, "receiverNotSubscribed", "permanent"),
    (2, "invalidAuthToken", "permanent"),
    (11, "receiverNoSuitableDevice", "permanent"),
    (12, "tooManyRequests", "transient"),
    (10, "webhookNotSet", "transient"),
    (99, "generalError", "transient"),
])
def test_status_codes_map_to_the_outcome(app_ctx, httpserver, status, name, failure):
    _answers(httpserver, {"status": status, "status_message": name})
    result = ViberAdapter().send(_outbound(), _config(httpserver))
    assert not result.accepted and result.failure == failure
    assert result.error.startswith(f"viber {status} {name}")


@pytest.mark.parametrize(("http_status", "failure"), [(503, "transient"), (429, "transient"),
                                                      (404, "permanent")])
def test_http_errors_map_to_the_outcome(app_ctx, httpserver, http_status, failure):
    httpserver.expect_request("/pa/send_message").respond_with_data("no", status=http_status)
    result = ViberAdapter().send(_outbound(), _config(httpserver))
    assert result.failure == failure


def test_a_gateway_without_a_sender_name_fails_permanently(app_ctx, httpserver):
    result = ViberAdapter().send(_outbound(), _config(httpserver, settings={}))
    assert result.failure == "permanent" and "sender_name" in result.error
    assert httpserver.log == []


def test_not_subscribed_fails_and_refunds(app, tenant, viber, httpserver, drain):
    _answers(httpserver, {"status": 6, "status_message": "notSubscribed"})
    message_id = _send(tenant)
    drain()
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert message.status == "failed" and "receiverNotSubscribed" in message.last_error
    assert tenant.live.get("/balance").json["available"] == "10.000000"


def test_delivered_then_seen_callbacks_move_the_message_to_read(app, client, tenant, viber,
                                                                httpserver, drain):
    _accepts(httpserver)
    message_id = _send(tenant)
    drain()
    delivered = {"event": "delivered", "timestamp": 1_457_764_197_627,
                 "chat_hostname": "SN-CHAT-05_", "message_token": MESSAGE_TOKEN,
                 "user_id": USER}
    assert _callback(client, viber, delivered).status_code == 200
    assert _callback(client, viber, {**delivered, "event": "seen"}).status_code == 200
    assert _callback(client, viber, delivered).status_code == 200  # late duplicate
    assert _statuses(app, message_id) == ["queued", "sending", "sent", "delivered", "read"]
    with app.app_context():
        event = db.session.scalar(select(MessageEvent).where(
            MessageEvent.message_id == message_id, MessageEvent.status == "delivered"))
        assert event.occurred_at.isoformat().startswith("2016-03-12T06:29:57")


def test_failed_callback_fails_and_refunds(app, client, tenant, viber, httpserver, drain):
    _accepts(httpserver)
    message_id = _send(tenant)
    drain()
    failed = {"event": "failed", "timestamp": 1_457_764_197_627, "message_token": MESSAGE_TOKEN,
              "user_id": USER, "desc": "failure description"}
    assert _callback(client, viber, failed).status_code == 200
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert message.status == "failed" and "failure description" in message.last_error
    assert tenant.live.get("/balance").json["available"] == "10.000000"


def test_inbound_message_creates_a_contact_and_a_conversation_message(app, client, tenant,
                                                                      viber):
    event = {"event": "message", "timestamp": 1_457_764_197_627, "chat_hostname": "SN-CHAT-05_",
             "message_token": 4_912_661_846_655_238_145,
             "sender": {"id": USER, "name": "Ana", "avatar": "http://avatar.example",
                        "country": "UK", "language": "en", "api_version": 1},
             "message": {"type": "text", "text": "Is there parking?"}}
    assert _callback(client, viber, event).status_code == 200
    assert _callback(client, viber, event).status_code == 200  # Viber's redelivery
    with app.app_context():
        message = db.session.scalar(select(Message).where(Message.direction == "inbound"))
        assert message.text == "Is there parking?" and message.from_address == USER
        assert message.provider_message_id == "4912661846655238145"
        contact = db.session.get(Contact, message.contact_id)
        assert contact.name == "Ana" and contact.partner_id == tenant.partner_id
        assert db.session.get(Conversation, message.conversation_id).channel == "viber"
        assert db.session.query(Message).count() == 1


def test_webhook_and_subscription_events_are_acknowledged_and_ignored(app, client, viber):
    for event in ({"event": "webhook", "timestamp": 1, "message_token": 1},
                  {"event": "subscribed", "timestamp": 1, "user": {"id": USER}},
                  {"event": "conversation_started", "timestamp": 1, "user": {"id": USER}}):
        assert _callback(client, viber, event).status_code == 200
    with app.app_context():
        assert db.session.query(Message).count() == 0


@pytest.mark.parametrize(("token", "sign"), [("another-token", True), (TOKEN, False)])
def test_forged_or_missing_signature_is_401_and_changes_nothing(app, client, tenant, viber,
                                                                httpserver, drain, token, sign):
    _accepts(httpserver)
    message_id = _send(tenant)
    drain()
    response = _callback(client, viber, {"event": "delivered", "timestamp": 1,
                                         "message_token": MESSAGE_TOKEN}, token=token, sign=sign)
    assert response.status_code == 401 and response.json["code"] == "invalid_signature"
    assert _statuses(app, message_id) == ["queued", "sending", "sent"]


def test_the_signature_covers_the_exact_body(app, httpserver):
    body = b'{"event": "delivered", "message_token": 1}'
    tampered = b'{"event": "failed", "message_token": 1}'
    with app.test_request_context("/hooks/gw_test", method="POST", data=tampered, headers={
            "X-Viber-Content-Signature": _signing.viber(TOKEN, body)}):
        from flask import request

        with pytest.raises(InvalidSignature):
            ViberAdapter().parse_callback(request, _config(httpserver))
