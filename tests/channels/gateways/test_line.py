"""A live LINE gateway speaking the Messaging API, against a local fake LINE Platform.

Covers the push request as built (with its retry key, the same on every attempt), LINE's
answers mapped to the outcome (409 = already accepted), and webhooks signed with
`x-line-signature` recorded as inbound messages.
"""

from __future__ import annotations

import json
import uuid
from functools import partial

import pytest
from sqlalchemy import select
from werkzeug import Response

from app.channels.gateways import InvalidSignature
from app.channels.gateways.line import LineAdapter, retry_key
from app.extensions import db
from app.models import Contact, Conversation, Message, MessageEvent
from app.services.messaging import gateways
from tests.channels.gateways import _signing
from tests.helpers import gateway_config, outbound

ACCESS_TOKEN = "line-channel-access-token"
SECRET = "line-channel-secret"
USER = "U4af4980629d8f1a8d2b3c4e5f6a7b8c9"
PUSH = "/v2/bot/message/push"


@pytest.fixture
def line(app, tenant, httpserver):
    """A partner-owned live LINE gateway pointed at the fake LINE Platform."""
    with app.app_context():
        gateway = gateways.add_gateway(
            "line", "line", "Acme OA (fake)", partner_id=tenant.partner_id, environment="live",
            base_url=httpserver.url_for("/").rstrip("/"),
            credentials={"channel_access_token": ACCESS_TOKEN, "channel_secret": SECRET})
        return gateway.id


# This module's gateway and send: the shared builders with LINE values.
_config = partial(gateway_config, "line", channel="line",
                  credentials={"channel_access_token": ACCESS_TOKEN, "channel_secret": SECRET})
_outbound = partial(outbound, "line", to=USER, text="Your parcel arrives today")


def _retry_key(message_id: str) -> str:
    """The key's derivation, computed here with uuid alone: UUIDv5 of the message id."""
    return str(uuid.uuid5(uuid.uuid5(uuid.NAMESPACE_URL,
                                     "https://switchboard.example/line/retry-key"), message_id))


def _accepts(httpserver, sent_id="461230966842064897"):
    httpserver.expect_request(PUSH, method="POST").respond_with_json(
        {"sentMessages": [{"id": sent_id, "quoteToken": "IStG5h1Tz7b..."}]})


def _send(tenant):
    sent = tenant.live.post("/messages", json={"channel": "line", "to": USER,
                                               "text": "Your parcel arrives today"})
    assert sent.status_code == 202, sent.json
    return sent.json["id"]


def _webhook(client, gateway_id, payload, secret=SECRET, sign=True):
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if sign:
        headers["x-line-signature"] = _signing.line(secret, body)
    return client.post(f"/hooks/{gateway_id}", data=body, headers=headers)


def _text_event(text="Can I change the delivery time?", message_id="468789577898262530",
                source=None):
    return {"destination": "Uxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "events": [{
        "type": "message", "mode": "active", "timestamp": 1_692_251_666_727,
        "webhookEventId": "01H810YECXQQZ37VAXPF6H9E6T", "replyToken": "38ef843bde154d9b91c21",
        "deliveryContext": {"isRedelivery": False},
        "source": source or {"type": "user", "userId": USER},
        "message": {"id": message_id, "type": "text", "quoteToken": "q3Plxr4AgKd...",
                    "text": text}}]}


def test_live_send_pushes_with_bearer_token_and_a_retry_key(app, tenant, line, httpserver,
                                                            drain):
    _accepts(httpserver)
    message_id = _send(tenant)
    drain()
    request, _ = httpserver.log[0]
    assert request.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}"
    assert request.headers["X-Line-Retry-Key"] == _retry_key(message_id)
    assert request.json == {"to": USER, "messages": [{"type": "text",
                                                       "text": "Your parcel arrives today"}]}
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert message.status == "sent" and message.provider_message_id == "461230966842064897"


def test_the_retry_key_is_a_uuid_fixed_by_the_message_id():
    """The same in every process and release: a retry after an upgrade must not send twice."""
    key = retry_key("msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C")
    assert key == "1eb1e78d-6736-5ec0-b4d7-139fa12865fd"
    assert uuid.UUID(key).version == 5
    assert retry_key("msg_01HNQX2P8Y9R3T4V5W6Z7A8B9D") == _retry_key(
        "msg_01HNQX2P8Y9R3T4V5W6Z7A8B9D") != key


def test_a_retry_after_a_5xx_sends_the_same_key_and_409_counts_as_accepted(
        app, tenant, line, httpserver, drain):
    httpserver.expect_ordered_request(PUSH).respond_with_response(Response("", status=500))
    httpserver.expect_ordered_request(PUSH).respond_with_json(
        {"message": "The retry key is already accepted"}, status=409,
        headers={"x-line-accepted-request-id": "123e4567-e89b-12d3-a456-426614174000"})
    message_id = _send(tenant)
    drain()
    keys = [request.headers["X-Line-Retry-Key"] for request, _ in httpserver.log]
    assert keys == [_retry_key(message_id)] * 2
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert message.status == "sent" and message.retry_count == 1
        assert message.provider_message_id == _retry_key(message_id)


def test_409_with_sent_messages_takes_lines_message_id(app_ctx, httpserver):
    httpserver.expect_request(PUSH).respond_with_json(
        {"message": "The retry key is already accepted",
         "sentMessages": [{"id": "461230966842064999", "quoteToken": "q"}]}, status=409)
    result = LineAdapter().send(_outbound(), _config(httpserver))
    assert result.accepted and result.provider_message_id == "461230966842064999"


@pytest.mark.parametrize(("status", "failure"), [
    (400, "permanent"), (401, "permanent"), (403, "permanent"),
    (429, "transient"), (500, "transient"), (503, "transient"),
])
def test_http_statuses_map_to_the_outcome(app_ctx, httpserver, status, failure):
    httpserver.expect_request(PUSH).respond_with_json(
        {"message": "The request body has 1 error(s)",
         "details": [{"message": "Failed to push", "property": "to"}]}, status=status)
    result = LineAdapter().send(_outbound(), _config(httpserver))
    assert not result.accepted and result.failure == failure
    assert result.error.startswith(f"line {status}: The request body has 1 error(s)")


def test_a_400_fails_and_refunds(app, tenant, line, httpserver, drain):
    httpserver.expect_request(PUSH).respond_with_json(
        {"message": "Failed to send messages"}, status=400)
    message_id = _send(tenant)
    drain()
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert message.status == "failed" and message.retry_count == 0
    assert tenant.live.get("/balance").json["available"] == "10.000000"


def test_inbound_message_creates_a_contact_and_a_conversation_message(app, client, tenant,
                                                                      line):
    assert _webhook(client, line, _text_event()).status_code == 200
    assert _webhook(client, line, _text_event()).status_code == 200  # LINE's redelivery
    with app.app_context():
        message = db.session.scalar(select(Message).where(Message.direction == "inbound"))
        assert message.text == "Can I change the delivery time?"
        assert message.from_address == USER and message.provider_message_id == "468789577898262530"
        received = db.session.scalar(select(MessageEvent).where(
            MessageEvent.message_id == message.id))
        assert received.occurred_at.isoformat().startswith("2023-08-17T05:54:26.727")
        contact = db.session.get(Contact, message.contact_id)
        assert contact.partner_id == tenant.partner_id
        assert db.session.get(Conversation, message.conversation_id).channel == "line"
        assert db.session.query(Message).count() == 1


def test_a_group_message_is_from_the_group(app, client, line):
    source = {"type": "group", "groupId": "Ca56f94637c0123456789abcdef012345", "userId": USER}
    assert _webhook(client, line, _text_event(source=source)).status_code == 200
    with app.app_context():
        message = db.session.scalar(select(Message))
        assert message.from_address == "Ca56f94637c0123456789abcdef012345"


def test_verification_call_and_non_message_events_are_acknowledged(app, client, line):
    assert _webhook(client, line, {"destination": "Uxxx", "events": []}).status_code == 200
    follow = {"destination": "Uxxx", "events": [{
        "type": "follow", "timestamp": 1, "source": {"type": "user", "userId": USER},
        "replyToken": "r", "mode": "active"}]}
    assert _webhook(client, line, follow).status_code == 200
    with app.app_context():
        assert db.session.query(Message).count() == 0


@pytest.mark.parametrize(("secret", "sign"), [("another-secret", True), (SECRET, False)])
def test_forged_or_missing_signature_is_401_and_records_nothing(app, client, line, secret,
                                                                sign):
    response = _webhook(client, line, _text_event(), secret=secret, sign=sign)
    assert response.status_code == 401 and response.json["code"] == "invalid_signature"
    with app.app_context():
        assert db.session.query(Message).count() == 0


def test_a_gateway_without_a_channel_secret_trusts_no_webhook(app, httpserver):
    body = json.dumps(_text_event()).encode()
    with app.test_request_context("/hooks/gw_test", method="POST", data=body,
                                  headers={"x-line-signature": _signing.line("", body)}):
        from flask import request

        with pytest.raises(InvalidSignature):
            LineAdapter().parse_callback(request, _config(
                httpserver, credentials={"channel_access_token": ACCESS_TOKEN}))
