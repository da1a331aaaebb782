"""A live SMS gateway speaking Twilio's wire format, against a local fake Twilio.

Covers the adapter's request and error mapping, signed status callbacks (in order, out of
order, duplicated, forged) and inbound SMS through `/hooks/<gateway_id>`.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from werkzeug import Response

from app.channels.gateways.twilio import signature
from app.extensions import db
from app.models import Contact, Event, Gateway, Message, MessageEvent
from app.services.messaging import gateways
from tests.channels.gateways import _signing

ACCOUNT = "AC" + "a" * 32
TOKEN = "twilio-auth-token"


@pytest.fixture
def twilio(app, tenant, httpserver):
    """A partner-owned live Twilio gateway pointed at the local fake server."""
    with app.app_context():
        gateway = gateways.add_gateway("sms", "twilio", "Twilio (fake)",
                                       partner_id=tenant.partner_id, environment="live",
                                       base_url=httpserver.url_for("/").rstrip("/"),
                                       credentials={"account_sid": ACCOUNT,
                                                    "auth_token": TOKEN},
                                       settings={"from": "+15550001111"})
        return gateway.id


def _twilio_accepts(httpserver, sid="SM" + "1" * 32):
    httpserver.expect_request(f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json",
                              method="POST").respond_with_json(
        {"sid": sid, "status": "queued", "price": None}, status=201)
    return sid


def _callback(app, client, gateway_id, params, token=TOKEN):
    url = app.config["APP_PUBLIC_URL"].rstrip("/") + f"/hooks/{gateway_id}"
    return client.post(f"/hooks/{gateway_id}", data=params,
                       headers={"X-Twilio-Signature": _signing.twilio(token, url, params)})


def _statuses(app, message_id):
    with app.app_context():
        return [e.status for e in db.session.scalars(
            select(MessageEvent).where(MessageEvent.message_id == message_id)
            .order_by(MessageEvent.sequence))]


def test_live_send_posts_twilio_form_with_basic_auth(app, tenant, twilio, httpserver, drain):
    sid = _twilio_accepts(httpserver)
    sent = tenant.live.post("/messages", json={"channel": "sms", "to": "+15551234567",
                                               "text": "Your code is 1234"})
    assert sent.status_code == 202
    drain()
    request, _ = httpserver.log[0]
    assert request.authorization.username == ACCOUNT
    assert request.authorization.password == TOKEN
    assert request.form["To"] == "+15551234567" and request.form["From"] == "+15550001111"
    assert request.form["Body"] == "Your code is 1234"
    assert request.form["StatusCallback"].endswith(f"/hooks/{twilio}?ref={sent.json['id']}")
    with app.app_context():
        message = db.session.get(Message, sent.json["id"])
        assert message.status == "sent" and message.provider_message_id == sid
        assert message.gateway_id == twilio


def test_twilio_400_is_permanent_and_refunded(app, tenant, twilio, httpserver, drain):
    httpserver.expect_request(f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json").respond_with_json(
        {"code": 21211, "message": "The 'To' number is not a valid phone number.",
         "status": 400}, status=400)
    sent = tenant.live.post("/messages", json={"channel": "sms", "to": "+15551234567",
                                               "text": "x"})
    drain()
    with app.app_context():
        message = db.session.get(Message, sent.json["id"])
        assert message.status == "failed" and message.retry_count == 0
        assert "21211" in message.last_error
    assert tenant.live.get("/balance").json["available"] == "10.000000"


def test_twilio_503_is_retried_until_it_succeeds(app, tenant, twilio, httpserver, drain):
    url = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    httpserver.expect_ordered_request(url).respond_with_response(
        Response("busy", status=503))
    httpserver.expect_ordered_request(url).respond_with_json({"sid": "SMretry"}, status=201)
    sent = tenant.live.post("/messages", json={"channel": "sms", "to": "+15551234567",
                                               "text": "x"})
    drain()
    with app.app_context():
        message = db.session.get(Message, sent.json["id"])
        assert message.status == "sent" and message.retry_count == 1
        assert message.provider_message_id == "SMretry"
    assert len(httpserver.log) == 2


def test_callbacks_only_move_forward_and_duplicates_are_no_ops(app, client, tenant, twilio,
                                                                httpserver, drain):
    sid = _twilio_accepts(httpserver)
    sent = tenant.live.post("/messages", json={"channel": "sms", "to": "+15551234567",
                                               "text": "x"})
    drain()
    delivered = {"MessageSid": sid, "MessageStatus": "delivered", "AccountSid": ACCOUNT}
    assert _callback(app, client, twilio, delivered).status_code == 200
    assert _callback(app, client, twilio, delivered).status_code == 200  # duplicate
    late_sent = {"MessageSid": sid, "MessageStatus": "sent", "AccountSid": ACCOUNT}
    assert _callback(app, client, twilio, late_sent).status_code == 200  # late, out of order
    late_failure = {"MessageSid": sid, "MessageStatus": "undelivered", "ErrorCode": "30003"}
    assert _callback(app, client, twilio, late_failure).status_code == 200
    assert _statuses(app, sent.json["id"]) == ["queued", "sending", "sent", "delivered"]
    with app.app_context():
        kinds = [e.type for e in db.session.scalars(
            select(Event).where(Event.object_id == sent.json["id"]).order_by(Event.id))]
    assert kinds == ["message.sent", "message.delivered"]


def test_read_before_delivered_jumps_forward_once(app, client, tenant, twilio, httpserver,
                                                  drain):
    sid = _twilio_accepts(httpserver)
    sent = tenant.live.post("/messages", json={"channel": "sms", "to": "+15551234567",
                                               "text": "x"})
    drain()
    _callback(app, client, twilio, {"MessageSid": sid, "MessageStatus": "read"})
    _callback(app, client, twilio, {"MessageSid": sid, "MessageStatus": "delivered"})
    assert _statuses(app, sent.json["id"]) == ["queued", "sending", "sent", "read"]


def test_undelivered_callback_fails_and_refunds(app, client, tenant, twilio, httpserver,
                                                drain):
    sid = _twilio_accepts(httpserver)
    sent = tenant.live.post("/messages", json={"channel": "sms", "to": "+15551234567",
                                               "text": "x"})
    drain()
    _callback(app, client, twilio, {"MessageSid": sid, "MessageStatus": "undelivered",
                                    "ErrorCode": "30003"})
    with app.app_context():
        message = db.session.get(Message, sent.json["id"])
        assert message.status == "failed" and "30003" in message.last_error
    assert tenant.live.get("/balance").json["available"] == "10.000000"


def test_forged_signature_is_401_and_writes_nothing(app, client, tenant, twilio, httpserver,
                                                    drain):
    sid = _twilio_accepts(httpserver)
    sent = tenant.live.post("/messages", json={"channel": "sms", "to": "+15551234567",
                                               "text": "x"})
    drain()
    forged = _callback(app, client, twilio, {"MessageSid": sid, "MessageStatus": "delivered"},
                       token="not-the-token")
    assert forged.status_code == 401 and forged.json["code"] == "invalid_signature"
    unsigned = client.post(f"/hooks/{twilio}", data={"MessageSid": sid,
                                                     "MessageStatus": "delivered"})
    assert unsigned.status_code == 401
    assert _statuses(app, sent.json["id"]) == ["queued", "sending", "sent"]


def test_report_for_an_unknown_message_is_acknowledged(app, client, twilio):
    response = _callback(app, client, twilio, {"MessageSid": "SMunknown",
                                               "MessageStatus": "delivered"})
    assert response.status_code == 200


def test_unknown_gateway_is_404_problem(client):
    response = client.post("/hooks/gw_01HNQX2P8Y9R3T4V5W6Z7A8B9C", data={"a": "b"})
    assert response.status_code == 404 and response.json["code"] == "not_found"


def test_inbound_sms_identifies_the_existing_contact(app, client, tenant, twilio):
    created = tenant.live.post("/contacts", json={
        "name": "Nayeem", "external_id": "crm-42",
        "identities": [{"channel": "sms", "address": "+15551234567"}]})
    assert created.status_code == 201, created.json
    inbound = {"MessageSid": "SMin1", "From": "+15551234567", "To": "+15550001111",
               "Body": "Where is my order?", "AccountSid": ACCOUNT}
    assert _callback(app, client, twilio, inbound).status_code == 200
    assert _callback(app, client, twilio, inbound).status_code == 200  # provider retry
    with app.app_context():
        messages = db.session.scalars(select(Message).where(
            Message.direction == "inbound")).all()
        assert len(messages) == 1
        assert messages[0].contact_id == created.json["id"]
        assert messages[0].environment == "live" and messages[0].text == "Where is my order?"
        identified = db.session.scalar(select(Event).where(Event.type == "contact.identified"))
        assert identified.data["external_id"] == "crm-42"
        assert db.session.query(Contact).count() == 1


def test_inbound_from_a_new_address_creates_a_contact_without_identifying(app, client,
                                                                          tenant, twilio):
    inbound = {"MessageSid": "SMin2", "From": "+15559876543", "To": "+15550001111",
               "Body": "hi"}
    _callback(app, client, twilio, inbound)
    with app.app_context():
        contact = db.session.scalar(select(Contact))
        assert contact.identities[0].address == "+15559876543"
        assert db.session.scalar(select(Event).where(Event.type == "contact.identified")) is None
        received = db.session.scalar(select(Event).where(Event.type == "message.received"))
        assert received.data["contact_id"] == contact.id


def test_provider_reported_price_becomes_the_cost(app, tenant, twilio, httpserver, drain):
    httpserver.expect_request(f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json").respond_with_json(
        {"sid": "SMpriced", "status": "queued", "price": "-0.00650"}, status=201)
    sent = tenant.live.post("/messages", json={"channel": "sms", "to": "+15551234567",
                                               "text": "x"})
    drain()
    with app.app_context():
        message = db.session.get(Message, sent.json["id"])
        assert message.cost_estimate_micros == 7_900 and message.cost_micros == 6_500
    assert tenant.live.get(f"/messages/{sent.json['id']}").json["cost"] == "0.0065"


def test_a_later_receipt_with_a_price_updates_the_cost(app, tenant, twilio, httpserver, drain):
    from app.channels.gateways import StatusUpdate
    from app.services.messaging import callbacks

    sid = _twilio_accepts(httpserver)
    sent = tenant.live.post("/messages", json={"channel": "sms", "to": "+15551234567",
                                               "text": "x"})
    drain()
    with app.app_context():
        assert db.session.get(Message, sent.json["id"]).cost_micros == 7_900  # the estimate
        callbacks.apply_status(twilio, StatusUpdate(sid, "delivered", cost_micros=7_100))
        message = db.session.get(Message, sent.json["id"])
        assert message.status == "delivered" and message.cost_micros == 7_100


def test_signature_matches_twilios_documented_example():
    """The worked example of Twilio's "Validating requests" guide, for the adapter's recipe
    and for the one these tests sign their callbacks with."""
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    params = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234",
              "From": "+12349013030", "To": "+18005551212"}
    assert signature("12345", url, params) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
    assert _signing.twilio("12345", url, params) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="


def test_non_ascii_signature_is_401_not_a_crash(client, twilio):
    response = client.post(f"/hooks/{twilio}", data={"MessageSid": "SMx"},
                           headers={"X-Twilio-Signature": "sïgnature"})
    assert response.status_code == 401 and response.json["code"] == "invalid_signature"


@pytest.mark.parametrize("stored_token", ["", "env:TWILIO_EMPTY_TOKEN"])
def test_callbacks_are_refused_when_the_auth_token_is_empty(app, client, tenant, monkeypatch,
                                                            stored_token):
    """A forger signing with an empty key must not get an inbound message (or a refund) in."""
    monkeypatch.setenv("TWILIO_EMPTY_TOKEN", "")
    with app.app_context():  # a row from before add_gateway refused empty secrets
        gateway = Gateway(partner_id=tenant.partner_id, environment="live", channel="sms",
                          provider="twilio", name="Legacy", settings={}, status="active",
                          credentials_encrypted=gateways.encrypt_credentials(
                              {"account_sid": ACCOUNT, "auth_token": stored_token}))
        db.session.add(gateway)
        db.session.commit()
        gateway_id = gateway.id
    forged = {"MessageSid": "SMforged", "From": "+15557654321", "To": "+15550001111",
              "Body": "wire the money", "SmsStatus": "received"}
    answer = _callback(app, client, gateway_id, forged, token="")
    assert answer.status_code == 401 and answer.json["code"] == "invalid_signature"
    with app.app_context():
        assert db.session.query(Message).count() == 0
        assert db.session.query(Contact).count() == 0
