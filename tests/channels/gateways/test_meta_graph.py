"""Live Messenger and Instagram gateways speaking the Graph Send API, against a fake Graph API.

Covers the Send API request, Graph error classification, `X-Hub-Signature-256`, the
`GET` subscription handshake, and `entry[].messaging[]` webhooks (messages, deliveries,
reads) through `/hooks/<gateway_id>`.
"""

from __future__ import annotations

import json
from functools import partial

import pytest
from flask import request as flask_request
from sqlalchemy import select

from app.channels.gateways import Inbound, InvalidSignature
from app.channels.gateways.meta_graph import MetaGraphAdapter
from app.extensions import db
from app.models import Contact, Message, MessageEvent
from app.services.messaging import gateways
from tests.channels.gateways import _signing
from tests.helpers import gateway_config, outbound

PAGE_ID = "104729558376284"
PAGE_TOKEN = "EAAG-page-access-token"
APP_SECRET = "meta-app-secret"
VERIFY_TOKEN = "meta-verify-token"
PSID = "6795128533870941"
SEND_PATH = f"/v23.0/{PAGE_ID}/messages"
CREDENTIALS = {"page_access_token": PAGE_TOKEN, "app_secret": APP_SECRET,
               "verify_token": VERIFY_TOKEN}


def _add(app, tenant, httpserver, channel):
    with app.app_context():
        return gateways.add_gateway(channel, "meta_graph", f"{channel} (fake)",
                                    partner_id=tenant.partner_id, environment="live",
                                    base_url=httpserver.url_for("/").rstrip("/"),
                                    credentials=CREDENTIALS,
                                    settings={"page_id": PAGE_ID}).id


@pytest.fixture
def messenger(app, tenant, httpserver):
    """A partner-owned live Messenger gateway pointed at the local fake Graph API."""
    return _add(app, tenant, httpserver, "messenger")


@pytest.fixture
def instagram(app, tenant, httpserver):
    """A partner-owned live Instagram gateway pointed at the local fake Graph API."""
    return _add(app, tenant, httpserver, "instagram")


# This module's gateway and send: the shared builders with Messenger values.
_config = partial(gateway_config, "meta_graph", channel="messenger", credentials=CREDENTIALS)
_outbound = partial(outbound, "messenger", to=PSID, text="Your order shipped")


def _accepts(httpserver, mid="m_AG5Hz2Uq7tuwNEhXfYYKj8mJEM_QPpz5jdCK48PnKAjSdjfipqxqMvK8ma6"):
    httpserver.expect_request(SEND_PATH, method="POST").respond_with_json(
        {"recipient_id": PSID, "message_id": mid})
    return mid


def _webhook(client, gateway_id, payload, secret=APP_SECRET, signed=True):
    body = json.dumps(payload).encode()
    headers = {"X-Hub-Signature-256": _signing.meta(secret, body)} if signed else {}
    return client.post(f"/hooks/{gateway_id}", data=body, content_type="application/json",
                       headers=headers)


def _entry(*events, kind="page") -> dict:
    return {"object": kind, "entry": [{"id": PAGE_ID, "time": 1750000000000,
                                       "messaging": list(events)}]}


def _event(**body) -> dict:
    return {"sender": {"id": PSID}, "recipient": {"id": PAGE_ID}, "timestamp": 1750000000500,
            **body}


def _parse(app, httpserver, payload, channel="messenger"):
    body = json.dumps(payload).encode()
    with app.test_request_context("/hooks/gw_test", method="POST", data=body, headers={
            "X-Hub-Signature-256": _signing.meta(APP_SECRET, body)}):
        return MetaGraphAdapter().parse_callback(flask_request,
                                                 _config(httpserver, channel=channel))


def _statuses(app, message_id):
    with app.app_context():
        return [e.status for e in db.session.scalars(
            select(MessageEvent).where(MessageEvent.message_id == message_id)
            .order_by(MessageEvent.sequence))]


# --- the request --------------------------------------------------------------------------


def test_messenger_send_posts_the_send_api_request(app, tenant, messenger, httpserver, drain):
    mid = _accepts(httpserver)
    sent = tenant.live.post("/messages", json={"channel": "messenger", "to": PSID,
                                               "text": "Your order shipped"})
    assert sent.status_code == 202, sent.json
    drain()
    request, _ = httpserver.log[0]
    assert request.path == SEND_PATH and request.method == "POST"
    assert request.headers["Authorization"] == f"Bearer {PAGE_TOKEN}"
    assert "access_token" not in request.args  # the token never travels in the URL
    assert request.get_json() == {"recipient": {"id": PSID}, "messaging_type": "RESPONSE",
                                  "message": {"text": "Your order shipped"}}
    with app.app_context():
        message = db.session.get(Message, sent.json["id"])
        assert message.status == "sent" and message.provider_message_id == mid


def test_without_page_id_the_send_goes_to_me_and_a_tag_is_sent(app_ctx, httpserver):
    httpserver.expect_request("/v23.0/me/messages").respond_with_json(
        {"recipient_id": PSID, "message_id": "m_tagged"})
    config = _config(httpserver, messaging_type="MESSAGE_TAG", tag="ACCOUNT_UPDATE")
    result = MetaGraphAdapter().send(_outbound(), config)
    assert result.accepted and result.provider_message_id == "m_tagged"
    assert httpserver.log[0][0].get_json() == {
        "recipient": {"id": PSID}, "messaging_type": "MESSAGE_TAG", "tag": "ACCOUNT_UPDATE",
        "message": {"text": "Your order shipped"}}


@pytest.mark.parametrize(("status", "code", "subcode", "failure"), [
    (400, 551, None, "permanent"),        # this person isn't available right now
    (400, 10, 2018278, "permanent"),      # outside the allowed messaging window
    (400, 100, 2018001, "permanent"),     # no matching user found
    (401, 190, None, "permanent"),        # invalid page access token
    (400, 613, None, "transient"),        # calls to this API exceed the rate limit
    (500, 1200, None, "transient"),       # temporary send message failure
    (500, 2, None, "transient"),          # service temporarily unavailable
])
def test_send_api_errors_are_classified(app_ctx, httpserver, status, code, subcode, failure):
    error = {"message": f"(#{code}) error", "type": "OAuthException", "code": code}
    if subcode:
        error["error_subcode"] = subcode
    httpserver.expect_request(SEND_PATH).respond_with_json({"error": error}, status=status)
    result = MetaGraphAdapter().send(_outbound(), _config(httpserver, page_id=PAGE_ID))
    assert result.failure == failure and str(code) in result.error
    assert PAGE_TOKEN not in result.error
    if subcode:
        assert str(subcode) in result.error


def test_permanent_error_fails_and_refunds(app, tenant, messenger, httpserver, drain):
    httpserver.expect_request(SEND_PATH).respond_with_json(
        {"error": {"message": "(#551) This person isn't available right now.", "code": 551}},
        status=400)
    sent = tenant.live.post("/messages", json={"channel": "messenger", "to": PSID,
                                               "text": "hi"})
    drain()
    with app.app_context():
        message = db.session.get(Message, sent.json["id"])
        assert message.status == "failed" and "551" in message.last_error
    assert tenant.live.get("/balance").json["available"] == "10.000000"


# --- webhooks -----------------------------------------------------------------------------


def test_delivery_webhook_moves_the_message_to_delivered(app, client, tenant, messenger,
                                                         httpserver, drain):
    mid = _accepts(httpserver)
    sent = tenant.live.post("/messages", json={"channel": "messenger", "to": PSID,
                                               "text": "hi"})
    drain()
    delivery = _entry(_event(delivery={"mids": [mid], "watermark": 1750000000400}))
    assert _webhook(client, messenger, delivery).status_code == 200
    assert _statuses(app, sent.json["id"]) == ["queued", "sending", "sent", "delivered"]
    # Messenger's read receipt has only a watermark: it is not mapped to any message.
    read = _entry(_event(read={"watermark": 1750000000900}))
    assert _webhook(client, messenger, read).status_code == 200
    assert _statuses(app, sent.json["id"]) == ["queued", "sending", "sent", "delivered"]


def test_instagram_read_names_the_message_and_marks_it_read(app, client, tenant, instagram,
                                                            httpserver, drain):
    mid = _accepts(httpserver, mid="aWdfZAG1faXRlbToxOklHTWVzc2FnZAUlEOjE3ODQxNDA")
    sent = tenant.live.post("/messages", json={"channel": "instagram", "to": PSID,
                                               "text": "hi"})
    drain()
    read = _entry(_event(read={"mid": mid}), kind="instagram")
    assert _webhook(client, instagram, read).status_code == 200
    assert _statuses(app, sent.json["id"]) == ["queued", "sending", "sent", "read"]


def test_forged_or_unsigned_webhook_is_401(app, client, tenant, messenger, httpserver, drain):
    mid = _accepts(httpserver)
    sent = tenant.live.post("/messages", json={"channel": "messenger", "to": PSID,
                                               "text": "hi"})
    drain()
    delivery = _entry(_event(delivery={"mids": [mid], "watermark": 1}))
    forged = _webhook(client, messenger, delivery, secret="wrong")
    assert forged.status_code == 401 and forged.json["code"] == "invalid_signature"
    assert _webhook(client, messenger, delivery, signed=False).status_code == 401
    assert _statuses(app, sent.json["id"]) == ["queued", "sending", "sent"]


def test_bad_and_missing_signatures_raise_invalid_signature(app, httpserver):
    body = json.dumps(_entry(_event(delivery={"mids": ["m_1"], "watermark": 1}))).encode()
    for headers in ({"X-Hub-Signature-256": _signing.meta("wrong", body)}, {},
                    {"X-Hub-Signature-256": "sha256="}):
        with app.test_request_context("/hooks/gw_test", method="POST", data=body,
                                      headers=headers), pytest.raises(InvalidSignature):
            MetaGraphAdapter().parse_callback(flask_request, _config(httpserver))


def test_gateway_without_app_secret_refuses_every_webhook(app, httpserver):
    body = json.dumps(_entry()).encode()
    config = _config(credentials={"page_access_token": PAGE_TOKEN})
    with app.test_request_context("/hooks/gw_test", method="POST", data=body, headers={
            "X-Hub-Signature-256": _signing.meta("", body)}), pytest.raises(InvalidSignature):
        MetaGraphAdapter().parse_callback(flask_request, config)


def test_callback_parsing_maps_messages_deliveries_and_reads(app, httpserver):
    items = _parse(app, httpserver, _entry(
        _event(message={"mid": "m_in", "text": "Do you ship to Lisbon?"}),
        _event(message={"mid": "m_echo", "text": "our own", "is_echo": True}),
        _event(message={"mid": "m_photo", "attachments": [{"type": "image"}]}),
        _event(delivery={"mids": ["m_1", "m_2"], "watermark": 1750000000400}),
        _event(delivery={"watermark": 1750000000400}),
        _event(read={"watermark": 1750000000900})))
    inbound, first, second = items
    assert isinstance(inbound, Inbound) and inbound.channel == "messenger"
    assert inbound.from_address == PSID and inbound.to_address == PAGE_ID
    assert inbound.text == "Do you ship to Lisbon?" and inbound.provider_message_id == "m_in"
    assert inbound.occurred_at.timestamp() == 1750000000.5
    assert [(u.provider_message_id, u.status) for u in (first, second)] == [
        ("m_1", "delivered"), ("m_2", "delivered")]


def test_inbound_message_creates_a_contact_on_the_channel(app, client, instagram):
    payload = _entry(_event(message={"mid": "ig_in", "text": "hello"}), kind="instagram")
    assert _webhook(client, instagram, payload).status_code == 200
    with app.app_context():
        message = db.session.scalar(select(Message).where(Message.direction == "inbound"))
        assert message.channel == "instagram" and message.text == "hello"
        assert message.from_address == PSID
        contact = db.session.scalar(select(Contact))
        assert [(i.channel, i.address) for i in contact.identities] == [("instagram", PSID)]


# --- the subscription handshake -----------------------------------------------------------


def test_handshake_answers_the_challenge_only_with_the_verify_token(app, httpserver):
    adapter, config = MetaGraphAdapter(), _config(httpserver)
    query = f"hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=4242"
    with app.test_request_context(f"/hooks/gw_test?{query}", method="GET"):
        assert adapter.verify_subscription(flask_request, config) == "4242"
    with app.test_request_context("/hooks/gw_test?hub.mode=subscribe&hub.verify_token=x"
                                  "&hub.challenge=4242", method="GET"), \
            pytest.raises(InvalidSignature):
        adapter.verify_subscription(flask_request, config)
    with app.test_request_context("/hooks/gw_test", method="POST", data=b"{}"):
        assert adapter.verify_subscription(flask_request, config) is None
