"""A live RCS gateway speaking Google's RBM API, against a local fake RBM and token server.

Covers the agent-message request (the message's ULID as RBM's UUID messageId), the SMS
fallback when the user is not RCS-capable, error classes, the service-account token
exchange, `X-Goog-Signature` verification, the webhook registration handshake, and user
events and messages through `/hooks/<gateway_id>`.
"""

from __future__ import annotations

import base64
import json
import uuid
from functools import partial

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from flask import request as flask_request
from sqlalchemy import select
from werkzeug import Response

from app.channels.gateways import Inbound, InvalidSignature, google_api
from app.channels.gateways.rbm import RbmAdapter, rbm_message_id
from app.extensions import db
from app.models import Message, MessageEvent
from app.services.messaging import gateways
from tests.channels.gateways import _signing
from tests.helpers import gateway_config, outbound

TOKEN = "ya29.rbm-access-token"
CLIENT_TOKEN = "SJENCPGJESMGUFPY"
AGENT_ID = "switchboard_demo_agent"
TO = "+15551234567"
SEND_PATH = f"/v1/phones/{TO}/agentMessages"
TWILIO_ACCOUNT = "AC" + "b" * 32
CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
TWILIO_PATH = f"/2010-04-01/Accounts/{TWILIO_ACCOUNT}/Messages.json"


@pytest.fixture(autouse=True)
def _fresh_tokens():
    google_api.forget_tokens()
    yield
    google_api.forget_tokens()


@pytest.fixture
def rbm(app, tenant, httpserver):
    """A partner-owned live RCS gateway (and an SMS one for fallback) on the fake servers."""
    base = httpserver.url_for("/").rstrip("/")
    with app.app_context():
        gateways.add_gateway("sms", "twilio", "Twilio (fake)", partner_id=tenant.partner_id,
                             environment="live", base_url=base,
                             credentials={"account_sid": TWILIO_ACCOUNT, "auth_token": "t"},
                             settings={"from": "+15550001111"})
        return gateways.add_gateway("rcs", "rbm", "RBM (fake)", partner_id=tenant.partner_id,
                                    environment="live", base_url=base,
                                    credentials={"access_token": TOKEN,
                                                 "client_token": CLIENT_TOKEN},
                                    settings={"agent_id": AGENT_ID}).id


# This module's gateway and send: the shared builders with RBM values.
_config = partial(gateway_config, "rbm", channel="rcs",
                  credentials={"access_token": TOKEN, "client_token": CLIENT_TOKEN},
                  settings={"agent_id": AGENT_ID})
_outbound = partial(outbound, "rcs", to=TO, text="Hi there")


def _uuid_of(message_id: str) -> str:
    """The 128 bits of a message id's ULID (Crockford base32) as a UUID, decoded here."""
    value = 0
    for char in message_id.removeprefix("msg_"):
        value = value * 32 + CROCKFORD.index(char)
    return str(uuid.UUID(int=value))


def _google_error(status_code, status, message="error"):
    return Response(json.dumps({"error": {"code": status_code, "message": message,
                                          "status": status}}),
                    status=status_code, content_type="application/json")


def _push(client, gateway_id, event: dict, token=CLIENT_TOKEN, signed=True):
    data = json.dumps(event).encode()
    body = {"message": {"data": base64.b64encode(data).decode(), "messageId": "1234567",
                        "publishTime": "2026-05-23T14:22:17.123Z"},
            "subscription": "projects/rbm-agent/subscriptions/rbm-agent-sub"}
    headers = {"X-Goog-Signature": _signing.rbm(token, data)} if signed else {}
    return client.post(f"/hooks/{gateway_id}", json=body, headers=headers)


def _event(event_type, message_id) -> dict:
    return {"senderPhoneNumber": TO, "eventType": event_type, "eventId": "MxYz123",
            "messageId": message_id, "sendTime": "2026-05-23T14:23:01.045123456Z",
            "agentId": f"{AGENT_ID}@rbm.goog"}


def _statuses(app, message_id):
    with app.app_context():
        return [e.status for e in db.session.scalars(
            select(MessageEvent).where(MessageEvent.message_id == message_id)
            .order_by(MessageEvent.sequence))]


def _parse(app, httpserver, event: dict, token=CLIENT_TOKEN):
    data = json.dumps(event).encode()
    body = json.dumps({"message": {"data": base64.b64encode(data).decode()}})
    with app.test_request_context("/hooks/gw_test", method="POST", data=body, headers={
            "X-Goog-Signature": _signing.rbm(token, data)}):
        return RbmAdapter().parse_callback(flask_request, _config(httpserver))


# --- the request --------------------------------------------------------------------------


def test_message_id_is_the_messages_ulid_as_a_uuid():
    assert rbm_message_id("msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C") == (
        "018d6fd1-591e-4e07-a26c-bc37cea42d2c")
    # Not a ULID: still a UUID, the same in every process and release (uuid5 of the id).
    assert rbm_message_id("msg_not-a-ulid") == "e9423e56-d730-5bd3-ad19-66340eec3d78"
    assert uuid.UUID(rbm_message_id("msg_not-a-ulid")).version == 5


def test_rcs_send_posts_an_agent_message_with_its_uuid(app, tenant, rbm, httpserver, drain):
    httpserver.expect_request(SEND_PATH, method="POST").respond_with_json(
        {"name": "phones/+15551234567/agentMessages/x", "sendTime": "2026-05-23T14:22:18Z",
         "contentMessage": {"text": "Your code is 1234"}})
    sent = tenant.live.post("/messages", json={"channel": "rcs", "to": TO,
                                               "text": "Your code is 1234"})
    assert sent.status_code == 202, sent.json
    drain()
    request, _ = httpserver.log[0]
    expected_id = _uuid_of(sent.json["id"])
    assert request.path == SEND_PATH
    assert dict(request.args) == {"messageId": expected_id, "agentId": AGENT_ID}
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.get_json() == {"contentMessage": {"text": "Your code is 1234"}}
    with app.app_context():
        message = db.session.get(Message, sent.json["id"])
        assert message.status == "sent" and message.provider_message_id == expected_id


def test_not_rcs_capable_falls_back_to_sms(app, tenant, rbm, httpserver, drain):
    httpserver.expect_request(SEND_PATH).respond_with_response(
        _google_error(404, "NOT_FOUND", "Requested entity was not found."))
    httpserver.expect_request(TWILIO_PATH, method="POST").respond_with_json(
        {"sid": "SMfallback", "status": "queued", "price": None}, status=201)
    sent = tenant.live.post("/messages", json={"channel": "rcs", "to": TO,
                                               "text": "Your code is 1234"})
    drain()
    with app.app_context():
        rcs = db.session.get(Message, sent.json["id"])
        assert rcs.status == "failed" and "NOT_FOUND" in rcs.last_error
        sms = db.session.scalar(select(Message).where(Message.fallback_of_id == rcs.id))
        assert sms.channel == "sms" and sms.text == "Your code is 1234" and sms.to_address == TO
        assert sms.status == "sent" and sms.provider_message_id == "SMfallback"
    twilio_request = next(r for r, _ in httpserver.log if r.path == TWILIO_PATH)
    assert twilio_request.form["Body"] == "Your code is 1234"


@pytest.mark.parametrize(("response", "failure"), [
    (_google_error(404, "NOT_FOUND"), "not_capable"),
    (_google_error(400, "INVALID_ARGUMENT", "Invalid text"), "permanent"),
    (_google_error(401, "UNAUTHENTICATED"), "permanent"),
    (_google_error(403, "PERMISSION_DENIED"), "permanent"),
    (Response("<html>not here</html>", status=404), "permanent"),  # not RBM answering
    (_google_error(500, "INTERNAL"), "transient"),
    (_google_error(503, "UNAVAILABLE"), "transient"),
])
def test_rbm_answers_are_classified(app_ctx, httpserver, response, failure):
    httpserver.expect_request(SEND_PATH).respond_with_response(response)
    result = RbmAdapter().send(_outbound(), _config(httpserver))
    assert not result.accepted and result.failure == failure
    assert TOKEN not in result.error


def test_quota_exhaustion_is_transient_and_honours_retry_after(app_ctx, httpserver):
    response = _google_error(429, "RESOURCE_EXHAUSTED")
    response.headers["Retry-After"] = "7"
    httpserver.expect_request(SEND_PATH).respond_with_response(response)
    result = RbmAdapter().send(_outbound(), _config(httpserver))
    assert result.failure == "transient" and result.retry_after_seconds == 7


def test_already_exists_means_an_earlier_attempt_went_through(app_ctx, httpserver):
    httpserver.expect_request(SEND_PATH).respond_with_response(
        _google_error(409, "ALREADY_EXISTS"))
    result = RbmAdapter().send(_outbound(), _config(httpserver))
    assert result.accepted
    assert result.provider_message_id == _uuid_of("msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C")


def test_unreachable_rbm_is_transient(app_ctx):
    config = _config("http://127.0.0.1:9", credentials={"access_token": TOKEN})
    assert RbmAdapter().send(_outbound(), config).failure == "transient"


def test_gateway_without_credentials_fails_permanently(app_ctx, httpserver):
    result = RbmAdapter().send(_outbound(), _config(httpserver, credentials={"x": "y"}))
    assert result.failure == "permanent" and "service_account" in result.error
    assert len(httpserver.log) == 0


# --- the service-account token exchange ---------------------------------------------------


def _service_account():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    account = {"type": "service_account", "project_id": "rbm-demo",
               "private_key_id": "kid-1", "private_key": pem,
               "client_email": "rbm-agent@rbm-demo.iam.gserviceaccount.com"}
    return account, key.public_key()


def _unb64(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def test_service_account_jwt_is_exchanged_once_for_a_bearer_token(app_ctx, httpserver):
    account, public_key = _service_account()
    httpserver.expect_request("/token", method="POST").respond_with_json(
        {"access_token": "ya29.from-the-fake-token-server", "expires_in": 3599,
         "token_type": "Bearer"})
    httpserver.expect_request(SEND_PATH).respond_with_json({"name": "x"})
    config = _config(httpserver, credentials={"service_account": json.dumps(account)},
                     token_url=httpserver.url_for("/token"))
    assert RbmAdapter().send(_outbound(), config).accepted
    second = _outbound(message_id="msg_01HNQX2P8Y9R3T4V5W6Z7A8B9D")
    assert RbmAdapter().send(second, config).accepted
    token_requests = [r for r, _ in httpserver.log if r.path == "/token"]
    assert len(token_requests) == 1  # cached for the second send
    form = token_requests[0].form
    assert form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    header, claims, signed = form["assertion"].split(".")
    public_key.verify(_unb64(signed), f"{header}.{claims}".encode(), padding.PKCS1v15(),
                      hashes.SHA256())  # raises if the signature is wrong
    assert json.loads(_unb64(header)) == {"alg": "RS256", "typ": "JWT", "kid": "kid-1"}
    claims = json.loads(_unb64(claims))
    assert claims["iss"] == account["client_email"]
    assert claims["scope"] == "https://www.googleapis.com/auth/rcsbusinessmessaging"
    assert claims["aud"] == httpserver.url_for("/token")
    assert claims["exp"] - claims["iat"] == 3600
    sends = [r for r, _ in httpserver.log if r.path == SEND_PATH]
    assert {r.headers["Authorization"] for r in sends} == {
        "Bearer ya29.from-the-fake-token-server"}


def test_a_refused_service_account_fails_permanently_without_leaking_the_key(app_ctx,
                                                                            httpserver):
    account, _ = _service_account()
    httpserver.expect_request("/token").respond_with_json(
        {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}, status=400)
    config = _config(httpserver, credentials={"service_account": account},
                     token_url=httpserver.url_for("/token"))
    result = RbmAdapter().send(_outbound(), config)
    assert result.failure == "permanent" and "invalid_grant" in result.error
    assert "PRIVATE KEY" not in result.error
    assert all(r.path == "/token" for r, _ in httpserver.log)


def test_an_unavailable_token_server_is_transient(app_ctx, httpserver):
    account, _ = _service_account()
    httpserver.expect_request("/token").respond_with_response(Response("down", status=503))
    config = _config(httpserver, credentials={"service_account": account},
                     token_url=httpserver.url_for("/token"))
    assert RbmAdapter().send(_outbound(), config).failure == "transient"


# --- webhooks -----------------------------------------------------------------------------


def test_signed_events_move_the_message_to_delivered_then_read(app, client, tenant, rbm,
                                                               httpserver, drain):
    httpserver.expect_request(SEND_PATH).respond_with_json({"name": "x"})
    sent = tenant.live.post("/messages", json={"channel": "rcs", "to": TO, "text": "hi"})
    drain()
    rbm_id = _uuid_of(sent.json["id"])
    assert _push(client, rbm, _event("IS_TYPING", None)).status_code == 200
    assert _push(client, rbm, _event("DELIVERED", rbm_id)).status_code == 200
    assert _statuses(app, sent.json["id"]) == ["queued", "sending", "sent", "delivered"]
    assert _push(client, rbm, _event("READ", rbm_id)).status_code == 200
    assert _statuses(app, sent.json["id"]) == ["queued", "sending", "sent", "delivered",
                                               "read"]


def test_forged_or_unsigned_events_are_401(app, client, tenant, rbm, httpserver, drain):
    httpserver.expect_request(SEND_PATH).respond_with_json({"name": "x"})
    sent = tenant.live.post("/messages", json={"channel": "rcs", "to": TO, "text": "hi"})
    drain()
    delivered = _event("DELIVERED", _uuid_of(sent.json["id"]))
    forged = _push(client, rbm, delivered, token="not-the-client-token")
    assert forged.status_code == 401 and forged.json["code"] == "invalid_signature"
    assert _push(client, rbm, delivered, signed=False).status_code == 401
    assert _statuses(app, sent.json["id"]) == ["queued", "sending", "sent"]


def test_signature_covers_the_decoded_data(app, httpserver):
    data = json.dumps(_event("READ", "abc")).encode()
    encoded = base64.b64encode(data).decode()
    cases = [
        ({"X-Goog-Signature": _signing.rbm(CLIENT_TOKEN, encoded.encode())}, encoded),  # raw
        ({}, encoded),
        ({"X-Goog-Signature": _signing.rbm(CLIENT_TOKEN, data)}, "not base64!"),
        ({"X-Goog-Signature": _signing.rbm(CLIENT_TOKEN, data)},
         base64.b64encode(data.replace(b"READ", b"REED")).decode()),
    ]
    for headers, payload_data in cases:
        body = json.dumps({"message": {"data": payload_data}})
        with app.test_request_context("/hooks/gw_test", method="POST", data=body,
                                      headers=headers), pytest.raises(InvalidSignature):
            RbmAdapter().parse_callback(flask_request, _config(httpserver))


def test_callback_parsing_maps_events_and_user_messages(app, httpserver):
    [delivered] = _parse(app, httpserver, _event("DELIVERED", "uuid-1"))
    assert delivered.provider_message_id == "uuid-1" and delivered.status == "delivered"
    assert delivered.occurred_at.isoformat() == "2026-05-23T14:23:01.045123+00:00"
    assert _parse(app, httpserver, _event("IS_TYPING", None)) == []
    [text] = _parse(app, httpserver, {"senderPhoneNumber": TO, "messageId": "in-1",
                                      "sendTime": "2026-05-23T14:24:00Z", "text": "Stop",
                                      "agentId": AGENT_ID})
    assert isinstance(text, Inbound) and text.channel == "rcs"
    assert text.from_address == TO and text.text == "Stop" and text.provider_message_id == "in-1"
    [tap] = _parse(app, httpserver, {"senderPhoneNumber": TO, "messageId": "in-2",
                                     "suggestionResponse": {"postbackData": "yes",
                                                            "text": "Yes please"}})
    assert tap.text == "Yes please"
    assert _parse(app, httpserver, {"senderPhoneNumber": TO, "messageId": "in-3",
                                    "location": {"latitude": 1, "longitude": 2}}) == []



def test_an_event_type_that_is_not_a_string_is_ignored(app, httpserver):
    # Found by hypothesis (tests/reliability/test_hostile_callbacks.py): a list as
    # `eventType` was looked up in a dict and raised TypeError (a 500 on the hook).
    for kind in ([], {"a": 1}, 7, None):
        assert _parse(app, httpserver, {"eventType": kind, "messageId": "uuid-1"}) == []

def test_inbound_rcs_message_is_recorded(app, client, rbm):
    message = {"senderPhoneNumber": "+15559876543", "messageId": "rbm-in-1",
               "sendTime": "2026-05-23T14:24:00Z", "text": "Where is my parcel?",
               "agentId": AGENT_ID}
    assert _push(client, rbm, message).status_code == 200
    with app.app_context():
        inbound = db.session.scalar(select(Message).where(Message.direction == "inbound"))
        assert inbound.channel == "rcs" and inbound.from_address == "+15559876543"
        assert inbound.text == "Where is my parcel?"


# --- the registration handshake -----------------------------------------------------------


def _handshake(app, httpserver, body: dict):
    with app.test_request_context("/hooks/gw_test", method="POST", json=body):
        return RbmAdapter().verify_subscription(flask_request, _config(httpserver))


def test_registration_echoes_the_secret_when_the_client_token_matches(app, httpserver):
    body = {"clientToken": CLIENT_TOKEN, "secret": "1234567890"}
    assert _handshake(app, httpserver, body) == "1234567890"
    with pytest.raises(InvalidSignature):
        _handshake(app, httpserver, {"clientToken": "WRONG", "secret": "1234567890"})
    assert _handshake(app, httpserver, {"message": {"data": "e30="}}) is None


def test_registration_posted_to_the_hook_writes_nothing(app, client, rbm):
    ok = client.post(f"/hooks/{rbm}", json={"clientToken": CLIENT_TOKEN, "secret": "123"})
    assert ok.status_code == 200 and ok.get_data(as_text=True) == "123"  # echoed, as RBM asks
    wrong = client.post(f"/hooks/{rbm}", json={"clientToken": "WRONG", "secret": "123"})
    assert wrong.status_code == 401
    with app.app_context():
        assert db.session.scalar(select(Message)) is None
