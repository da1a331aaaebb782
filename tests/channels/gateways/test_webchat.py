"""The built-in web chat gateway: accepted at once, receipts and visitors' messages posted by
the widget's backend to `/hooks/<gateway_id>` signed with the gateway's webhook secret.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from sqlalchemy import select

from app.channels.gateways import InvalidSignature
from app.channels.gateways.webchat import REPLAY_WINDOW_SECONDS, WebchatAdapter
from app.extensions import db
from app.models import Contact, Conversation, Message, MessageEvent
from app.services.messaging import gateways
from tests.channels.gateways import _signing
from tests.helpers import gateway_config, outbound

SECRET = "widget-backend-secret"
VISITOR = "vis_8f2c1e"


def _add_gateway(app, partner_id, secret=SECRET):
    with app.app_context():
        return gateways.add_gateway("webchat", "webchat", "Site widget", partner_id=partner_id,
                                    environment="live",
                                    credentials={"webhook_secret": secret}).id


@pytest.fixture
def webchat(app, tenant):
    """A partner-owned live web chat gateway."""
    return _add_gateway(app, tenant.partner_id)


def _post(client, gateway_id, payload, secret=SECRET, header=None, raw=None, timestamp=None):
    body = raw if raw is not None else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers.update(_signing.switchboard("unused", body))
        headers["X-Switchboard-Signature"] = header
    elif secret is not None:
        headers.update(_signing.switchboard(secret, body, timestamp))
    return client.post(f"/hooks/{gateway_id}", data=body, headers=headers)


def _send(tenant, text="Hi! An agent will be with you shortly."):
    sent = tenant.live.post("/messages", json={"channel": "webchat", "to": VISITOR,
                                               "text": text})
    assert sent.status_code == 202, sent.json
    return sent.json["id"]


def _statuses(app, message_id):
    with app.app_context():
        return [e.status for e in db.session.scalars(
            select(MessageEvent).where(MessageEvent.message_id == message_id)
            .order_by(MessageEvent.sequence))]


def test_send_is_accepted_with_the_message_id_and_nothing_scheduled(app_ctx):
    send = outbound("webchat", VISITOR, text="hello")
    result = WebchatAdapter().send(send, gateway_config("webchat", channel="webchat"))
    assert result.accepted and result.provider_message_id == send.message_id
    assert result.scheduled == []


def test_live_send_is_sent_then_delivered_and_read_by_the_widgets_receipts(
        app, client, tenant, webchat, drain):
    message_id = _send(tenant)
    drain()
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert message.status == "sent" and message.provider_message_id == message_id
        assert message.gateway_id == webchat
    assert _post(client, webchat, {"type": "delivered", "message_id": message_id,
                                   "occurred_at": "2025-01-02T03:04:05Z"}).status_code == 200
    assert _post(client, webchat, {"type": "read", "message_id": message_id}).status_code == 200
    assert _statuses(app, message_id) == ["queued", "sending", "sent", "delivered", "read"]
    with app.app_context():
        delivered = db.session.scalar(select(MessageEvent).where(
            MessageEvent.message_id == message_id, MessageEvent.status == "delivered"))
        assert delivered.occurred_at.isoformat().startswith("2025-01-02T03:04:05")


def test_a_visitors_message_creates_a_contact_and_a_conversation_message(app, client, tenant,
                                                                         webchat):
    payload = {"type": "message", "visitor_id": VISITOR, "text": "Do you ship to Lisbon?",
               "id": "wcm_1", "name": "Ana"}
    assert _post(client, webchat, payload).status_code == 200
    assert _post(client, webchat, payload).status_code == 200  # the backend's retry
    with app.app_context():
        message = db.session.scalar(select(Message).where(Message.direction == "inbound"))
        assert message.text == "Do you ship to Lisbon?" and message.from_address == VISITOR
        assert message.channel == "webchat" and message.provider_message_id == "wcm_1"
        contact = db.session.get(Contact, message.contact_id)
        assert contact.name == "Ana" and contact.partner_id == tenant.partner_id
        assert db.session.get(Conversation, message.conversation_id).channel == "webchat"
        assert db.session.query(Message).count() == 1


def test_a_batch_is_applied_in_order(app, client, tenant, webchat, drain):
    message_id = _send(tenant)
    drain()
    response = _post(client, webchat, [
        {"type": "delivered", "message_id": message_id},
        {"type": "message", "visitor_id": VISITOR, "text": "thanks", "id": "wcm_2"}])
    assert response.status_code == 200
    assert _statuses(app, message_id)[-1] == "delivered"
    with app.app_context():
        assert db.session.scalar(select(Message).where(Message.direction == "inbound")).text \
            == "thanks"


def test_another_partners_widget_cannot_move_this_partners_message(app, client, tenant,
                                                                   other_tenant, webchat, drain):
    message_id = _send(tenant)
    drain()
    theirs = _add_gateway(app, other_tenant.partner_id, secret="their-secret")
    response = _post(client, theirs, {"type": "read", "message_id": message_id},
                     secret="their-secret")
    assert response.status_code == 200  # acknowledged as an unknown message
    assert _statuses(app, message_id) == ["queued", "sending", "sent"]


@pytest.mark.parametrize("header", ["sha256=" + "f" * 64, "sha256=é", "", None])
def test_forged_or_missing_signature_is_401_and_records_nothing(app, client, webchat, header):
    payload = {"type": "message", "visitor_id": VISITOR, "text": "hi", "id": "wcm_3"}
    response = _post(client, webchat, payload, secret=None, header=header)
    assert response.status_code == 401 and response.json["code"] == "invalid_signature"
    with app.app_context():
        assert db.session.query(Message).count() == 0


def test_a_gateway_without_a_webhook_secret_trusts_no_callback(app):
    body = b'{"type": "read", "message_id": "msg_x"}'
    headers = _signing.switchboard("", body)
    with app.test_request_context("/hooks/gw_test", method="POST", data=body, headers=headers):
        from flask import request

        with pytest.raises(InvalidSignature):
            WebchatAdapter().parse_callback(request,
                                            gateway_config("webchat", channel="webchat"))


@pytest.mark.parametrize(("payload", "param"), [
    ({"type": "typing", "visitor_id": VISITOR}, "type"),
    ({"type": "message", "text": "hi", "id": "wcm_4"}, "visitor_id"),
    ({"type": "message", "visitor_id": VISITOR, "text": "hi"}, "id"),
    ({"type": "read"}, "message_id"),
])
def test_a_signed_but_malformed_callback_is_422_naming_the_field(app, client, webchat, payload,
                                                                 param):
    response = _post(client, webchat, payload)
    assert response.status_code == 422 and response.json["code"] == "invalid_field"
    assert response.json["param"] == param


def test_a_signed_body_that_is_not_json_is_400(client, webchat):
    response = _post(client, webchat, None, raw=b"not json")
    assert response.status_code == 400 and response.json["code"] == "invalid_json"


def test_a_callback_outside_the_replay_window_is_refused(app, client, webchat):
    """A captured, correctly signed callback cannot be played again later."""
    payload = {"type": "message", "visitor_id": VISITOR, "text": "Hi", "id": "wc_replay"}
    stale = int(time.time()) - REPLAY_WINDOW_SECONDS - 60
    for timestamp in (stale, int(time.time()) + REPLAY_WINDOW_SECONDS + 60):
        response = _post(client, webchat, payload, timestamp=timestamp)
        assert response.status_code == 401 and response.json["code"] == "invalid_signature"
    with app.app_context():
        assert db.session.query(Message).count() == 0
    assert _post(client, webchat, payload).status_code == 200


def test_the_timestamp_is_signed_and_required(client, webchat):
    body = json.dumps({"type": "read", "message_id": "msg_x"}).encode()
    old = int(time.time()) - 3600
    moved = _signing.switchboard(SECRET, body, old) | {
        "X-Switchboard-Timestamp": str(int(time.time()))}
    # The scheme before timestamps: the body alone, signed. It could be replayed forever.
    legacy = {"X-Switchboard-Signature": "sha256=" + hmac.new(
        SECRET.encode(), body, hashlib.sha256).hexdigest()}
    for headers in (moved, legacy):
        response = client.post(f"/hooks/{webchat}", data=body,
                               headers={"Content-Type": "application/json", **headers})
        assert response.status_code == 401 and response.json["code"] == "invalid_signature"
