"""A live WhatsApp gateway speaking the Meta Cloud API, against a local fake Graph API.

Covers the request the adapter builds (template with named or positional parameters,
text), the classification of Graph errors, `X-Hub-Signature-256` verification, the `GET`
subscription handshake, and status and inbound webhooks through `/hooks/<gateway_id>`.
"""

from __future__ import annotations

import json
from functools import partial

import pytest
from flask import request as flask_request
from sqlalchemy import select
from werkzeug import Response

from app.channels.gateways import Inbound, InvalidSignature
from app.channels.gateways.whatsapp_cloud import WhatsAppCloudAdapter, request_body
from app.extensions import db
from app.models import Contact, Message, MessageEvent
from app.services.messaging import gateways
from tests.channels.gateways import _signing
from tests.helpers import gateway_config, outbound

PHONE_NUMBER_ID = "106540352242922"
TOKEN = "EAAG-whatsapp-access-token"
APP_SECRET = "meta-app-secret"
VERIFY_TOKEN = "meta-verify-token"
SEND_PATH = f"/v23.0/{PHONE_NUMBER_ID}/messages"
CREDENTIALS = {"access_token": TOKEN, "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN}


@pytest.fixture
def whatsapp(app, tenant, httpserver):
    """A partner-owned live WhatsApp gateway pointed at the local fake Graph API."""
    with app.app_context():
        gateway = gateways.add_gateway("whatsapp", "whatsapp_cloud", "WhatsApp (fake)",
                                       partner_id=tenant.partner_id, environment="live",
                                       base_url=httpserver.url_for("/").rstrip("/"),
                                       credentials=CREDENTIALS,
                                       settings={"phone_number_id": PHONE_NUMBER_ID})
        return gateway.id


# This module's gateway and send: the shared builders with WhatsApp Cloud values.
_config = partial(gateway_config, "whatsapp_cloud", channel="whatsapp", credentials=CREDENTIALS,
                  settings={"phone_number_id": PHONE_NUMBER_ID})
_outbound = partial(outbound, "whatsapp", to="+15551234567")


def _graph_accepts(httpserver, wamid="wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"):
    httpserver.expect_request(SEND_PATH, method="POST").respond_with_json(
        {"messaging_product": "whatsapp",
         "contacts": [{"input": "+15551234567", "wa_id": "15551234567"}],
         "messages": [{"id": wamid, "message_status": "accepted"}]})
    return wamid


def _graph_error(code, message="error", status=400, subcode=None):
    error = {"message": message, "type": "OAuthException", "code": code,
             "fbtrace_id": "AbCdEf"}
    if subcode is not None:
        error["error_subcode"] = subcode
    return Response(json.dumps({"error": error}), status=status,
                    content_type="application/json")


def _webhook(client, gateway_id, payload, secret=APP_SECRET, signed=True):
    body = json.dumps(payload).encode()
    headers = {"X-Hub-Signature-256": _signing.meta(secret, body)} if signed else {}
    return client.post(f"/hooks/{gateway_id}", data=body, content_type="application/json",
                       headers=headers)


def _change(value: dict) -> dict:
    value = {"messaging_product": "whatsapp",
             "metadata": {"display_phone_number": "15550001111",
                          "phone_number_id": PHONE_NUMBER_ID}, **value}
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398", "changes": [{"field": "messages",
                                                             "value": value}]}]}


def _status(wamid, status, **extra) -> dict:
    return _change({"statuses": [{"id": wamid, "status": status, "timestamp": "1750000000",
                                  "recipient_id": "15551234567", **extra}]})


def _statuses(app, message_id):
    with app.app_context():
        return [e.status for e in db.session.scalars(
            select(MessageEvent).where(MessageEvent.message_id == message_id)
            .order_by(MessageEvent.sequence))]


def _send_template(tenant):
    created = tenant.live.post("/templates", json={
        "name": "order_confirmation", "language": "en_US", "channel": "whatsapp",
        "body": "Hi {{name}}, your order {{order_id}} ships today."})
    assert created.status_code == 201, created.json
    sent = tenant.live.post("/messages", json={
        "channel": "whatsapp", "to": "+15551234567", "template": "order_confirmation",
        "language": "en_US", "variables": {"name": "Nayeem", "order_id": "A-17"}})
    assert sent.status_code == 202, sent.json
    return sent.json["id"]


# --- the request --------------------------------------------------------------------------


def test_template_send_posts_named_parameters_with_bearer_token(app, tenant, whatsapp,
                                                                httpserver, drain):
    wamid = _graph_accepts(httpserver)
    message_id = _send_template(tenant)
    drain()
    request, _ = httpserver.log[0]
    assert request.path == SEND_PATH and request.method == "POST"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.get_json() == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+15551234567",
        "biz_opaque_callback_data": message_id, "type": "template",
        "template": {"name": "order_confirmation", "language": {"code": "en_US"},
                     "components": [{"type": "body", "parameters": [
                         {"type": "text", "parameter_name": "name", "text": "Nayeem"},
                         {"type": "text", "parameter_name": "order_id", "text": "A-17"}]}]}}
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert message.status == "sent" and message.provider_message_id == wamid
        assert message.gateway_id == whatsapp


def test_text_send_posts_a_text_message(app_ctx, httpserver):
    _graph_accepts(httpserver, wamid="wamid.text")
    result = WhatsAppCloudAdapter().send(_outbound(text="Your table is ready"),
                                         _config(httpserver))
    assert result.accepted and result.provider_message_id == "wamid.text"
    assert httpserver.log[0][0].get_json() == {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+15551234567",
        "biz_opaque_callback_data": "msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C", "type": "text",
        "text": {"preview_url": False, "body": "Your table is ready"}}


def test_positional_format_sends_values_in_variable_order_without_names():
    body = request_body(_outbound(template="shipping", language="pt_BR",
                                  variables={"name": "Ana", "eta": "Tuesday"}),
                        {"parameter_format": "positional"})
    assert body["template"] == {"name": "shipping", "language": {"code": "pt_BR"},
                                "components": [{"type": "body", "parameters": [
                                    {"type": "text", "text": "Ana"},
                                    {"type": "text", "text": "Tuesday"}]}]}


def test_template_without_variables_has_no_components():
    body = request_body(_outbound(template="hello_world", language="en_US"), {})
    assert body["template"] == {"name": "hello_world", "language": {"code": "en_US"}}


def test_api_version_setting_changes_the_path(app_ctx, httpserver):
    httpserver.expect_request(f"/v21.0/{PHONE_NUMBER_ID}/messages").respond_with_json(
        {"messages": [{"id": "wamid.v21"}]})
    result = WhatsAppCloudAdapter().send(_outbound(text="x"),
                                         _config(httpserver, api_version="v21.0"))
    assert result.accepted and result.provider_message_id == "wamid.v21"


def test_gateway_without_phone_number_id_fails_permanently(app_ctx, httpserver):
    config = _config(httpserver.url_for("/"), settings={})
    result = WhatsAppCloudAdapter().send(_outbound(text="x"), config)
    assert result.failure == "permanent" and "phone_number_id" in result.error
    assert len(httpserver.log) == 0


# --- error classes ------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "code", "failure"), [
    (400, 131026, "permanent"),  # message undeliverable
    (400, 131047, "permanent"),  # more than 24 hours since the customer last replied
    (400, 100, "permanent"),     # invalid parameter
    (400, 132001, "permanent"),  # template does not exist
    (401, 190, "permanent"),     # access token expired
    (400, 130429, "transient"),  # throughput limit reached
    (400, 131048, "transient"),  # spam rate limit hit
    (400, 131056, "transient"),  # pair rate limit hit
    (400, 80007, "transient"),   # WABA rate limit
    (500, 1, "transient"),       # API unknown
    (503, 2, "transient"),       # API service
])
def test_graph_errors_are_classified_by_code(app_ctx, httpserver, status, code, failure):
    httpserver.expect_request(SEND_PATH).respond_with_response(
        _graph_error(code, f"(#{code}) something", status=status))
    result = WhatsAppCloudAdapter().send(_outbound(text="x"), _config(httpserver))
    assert not result.accepted and result.failure == failure
    assert str(code) in result.error and TOKEN not in result.error


def test_graph_is_transient_flag_makes_an_unknown_code_transient(app_ctx, httpserver):
    httpserver.expect_request(SEND_PATH).respond_with_json(
        {"error": {"code": 999999, "message": "later", "is_transient": True}}, status=400)
    assert WhatsAppCloudAdapter().send(_outbound(text="x"),
                                       _config(httpserver)).failure == "transient"


def test_5xx_without_graph_error_json_is_transient(app_ctx, httpserver):
    httpserver.expect_request(SEND_PATH).respond_with_response(Response("bad gateway",
                                                                        status=502))
    assert WhatsAppCloudAdapter().send(_outbound(text="x"),
                                       _config(httpserver)).failure == "transient"


def test_unreachable_graph_is_transient(app_ctx):
    config = _config("http://127.0.0.1:9")
    result = WhatsAppCloudAdapter().send(_outbound(text="x"), config)
    assert result.failure == "transient" and "unreachable" in result.error


def test_undeliverable_is_failed_and_refunded(app, tenant, whatsapp, httpserver, drain):
    httpserver.expect_request(SEND_PATH).respond_with_response(
        _graph_error(131026, "(#131026) Message undeliverable"))
    sent = tenant.live.post("/messages", json={"channel": "whatsapp", "to": "+15551234567",
                                               "text": "hello"})
    drain()
    with app.app_context():
        message = db.session.get(Message, sent.json["id"])
        assert message.status == "failed" and message.retry_count == 0
        assert "131026" in message.last_error
    assert tenant.live.get("/balance").json["available"] == "10.000000"


def test_throttled_send_is_retried_until_it_succeeds(app, tenant, whatsapp, httpserver,
                                                     drain):
    httpserver.expect_ordered_request(SEND_PATH).respond_with_response(
        _graph_error(130429, "(#130429) Rate limit hit"))
    httpserver.expect_ordered_request(SEND_PATH).respond_with_json(
        {"messages": [{"id": "wamid.retry"}]})
    sent = tenant.live.post("/messages", json={"channel": "whatsapp", "to": "+15551234567",
                                               "text": "hello"})
    drain()
    with app.app_context():
        message = db.session.get(Message, sent.json["id"])
        assert message.status == "sent" and message.retry_count == 1
        assert message.provider_message_id == "wamid.retry"


# --- webhooks -----------------------------------------------------------------------------


def test_signed_receipts_move_the_message_to_delivered_then_read(app, client, tenant,
                                                                 whatsapp, httpserver, drain):
    wamid = _graph_accepts(httpserver)
    message_id = _send_template(tenant)
    drain()
    assert _webhook(client, whatsapp, _status(wamid, "sent")).status_code == 200
    assert _webhook(client, whatsapp, _status(wamid, "delivered")).status_code == 200
    assert _webhook(client, whatsapp, _status(wamid, "read")).status_code == 200
    assert _webhook(client, whatsapp, _status(wamid, "delivered")).status_code == 200  # late
    assert _statuses(app, message_id) == ["queued", "sending", "sent", "delivered", "read"]


def test_failed_receipt_fails_and_refunds_with_metas_error(app, client, tenant, whatsapp,
                                                           httpserver, drain):
    wamid = _graph_accepts(httpserver)
    message_id = _send_template(tenant)
    drain()
    failed = _status(wamid, "failed", errors=[{
        "code": 131026, "title": "Message undeliverable",
        "error_data": {"details": "Receiver is incapable of receiving this message"}}])
    assert _webhook(client, whatsapp, failed).status_code == 200
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert message.status == "failed"
        assert "131026" in message.last_error and "undeliverable" in message.last_error
    assert tenant.live.get("/balance").json["available"] == "10.000000"


def test_forged_or_unsigned_webhook_is_401_and_writes_nothing(app, client, tenant, whatsapp,
                                                              httpserver, drain):
    wamid = _graph_accepts(httpserver)
    message_id = _send_template(tenant)
    drain()
    forged = _webhook(client, whatsapp, _status(wamid, "delivered"), secret="not-the-secret")
    assert forged.status_code == 401 and forged.json["code"] == "invalid_signature"
    unsigned = _webhook(client, whatsapp, _status(wamid, "delivered"), signed=False)
    assert unsigned.status_code == 401
    assert _statuses(app, message_id) == ["queued", "sending", "sent"]


def test_signature_is_checked_over_the_raw_body(app, httpserver):
    adapter, config = WhatsAppCloudAdapter(), _config(httpserver)
    body = json.dumps(_status("wamid.x", "delivered")).encode()
    good = _signing.meta(APP_SECRET, body)
    with app.test_request_context("/hooks/gw_test", method="POST", data=body,
                                  headers={"X-Hub-Signature-256": good}):
        assert [u.status for u in adapter.parse_callback(flask_request, config)] == ["delivered"]
    for headers in ({"X-Hub-Signature-256": _signing.meta("other", body)}, {},
                    {"X-Hub-Signature-256": good.removeprefix("sha256=")}):
        with app.test_request_context("/hooks/gw_test", method="POST", data=body,
                                      headers=headers), pytest.raises(InvalidSignature):
            adapter.parse_callback(flask_request, config)
    tampered = body.replace(b"delivered", b"read")
    with app.test_request_context("/hooks/gw_test", method="POST", data=tampered,
                                  headers={"X-Hub-Signature-256": good}), \
            pytest.raises(InvalidSignature):
        adapter.parse_callback(flask_request, config)


def test_callback_parsing_maps_statuses_and_messages(app, httpserver):
    payload = _change({
        "contacts": [{"profile": {"name": "Kerry"}, "wa_id": "16505551234"}],
        "messages": [
            {"from": "16505551234", "id": "wamid.in1", "timestamp": "1750000100",
             "type": "text", "text": {"body": "Is it in stock?"}},
            {"from": "16505551234", "id": "wamid.in2", "timestamp": "1750000101",
             "type": "button", "button": {"text": "Yes please", "payload": "YES"}},
            {"from": "16505551234", "id": "wamid.in3", "timestamp": "1750000102",
             "type": "image", "image": {"id": "media-id", "mime_type": "image/jpeg"}}],
        "statuses": [{"id": "wamid.out", "status": "delivered", "timestamp": "1750000000",
                      "recipient_id": "16505551234"},
                     {"id": "wamid.out", "status": "deleted", "timestamp": "1750000001"}]})
    body = json.dumps(payload).encode()
    with app.test_request_context("/hooks/gw_test", method="POST", data=body, headers={
            "X-Hub-Signature-256": _signing.meta(APP_SECRET, body)}):
        items = WhatsAppCloudAdapter().parse_callback(flask_request, _config(httpserver))
    update, first, second = items
    assert update.provider_message_id == "wamid.out" and update.status == "delivered"
    assert update.occurred_at.timestamp() == 1750000000
    assert isinstance(first, Inbound) and first.from_address == "+16505551234"
    assert first.to_address == "+15550001111" and first.text == "Is it in stock?"
    assert first.name == "Kerry" and first.provider_message_id == "wamid.in1"
    assert second.text == "Yes please"


def test_changes_for_another_phone_number_are_ignored(app, httpserver):
    payload = _status("wamid.other", "delivered")
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    body = json.dumps(payload).encode()
    with app.test_request_context("/hooks/gw_test", method="POST", data=body, headers={
            "X-Hub-Signature-256": _signing.meta(APP_SECRET, body)}):
        assert WhatsAppCloudAdapter().parse_callback(flask_request, _config(httpserver)) == []


def test_inbound_text_creates_the_contact_and_an_inbound_message(app, client, whatsapp):
    payload = _change({
        "contacts": [{"profile": {"name": "Kerry"}, "wa_id": "16505551234"}],
        "messages": [{"from": "16505551234", "id": "wamid.in1", "timestamp": "1750000100",
                      "type": "text", "text": {"body": "Hello!"}}]})
    assert _webhook(client, whatsapp, payload).status_code == 200
    assert _webhook(client, whatsapp, payload).status_code == 200  # Meta redelivers
    with app.app_context():
        inbound = db.session.scalars(select(Message).where(
            Message.direction == "inbound")).all()
        assert len(inbound) == 1 and inbound[0].text == "Hello!"
        assert inbound[0].from_address == "+16505551234" and inbound[0].channel == "whatsapp"
        contact = db.session.scalar(select(Contact))
        assert contact.name == "Kerry"
        assert contact.identities[0].address == "+16505551234"


# --- the subscription handshake -----------------------------------------------------------


def _handshake(app, httpserver, query):
    with app.test_request_context(f"/hooks/gw_test?{query}", method="GET"):
        return WhatsAppCloudAdapter().verify_subscription(flask_request, _config(httpserver))


def test_handshake_with_the_verify_token_answers_the_challenge(app, httpserver):
    query = f"hub.mode=subscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1158201444"
    assert _handshake(app, httpserver, query) == "1158201444"


def test_handshake_with_a_wrong_token_or_mode_is_refused(app, httpserver):
    for query in ("hub.mode=subscribe&hub.verify_token=wrong&hub.challenge=1",
                  f"hub.mode=unsubscribe&hub.verify_token={VERIFY_TOKEN}&hub.challenge=1",
                  "hub.mode=subscribe&hub.challenge=1"):
        with pytest.raises(InvalidSignature):
            _handshake(app, httpserver, query)


def test_a_request_without_hub_mode_is_not_a_handshake(app, httpserver):
    assert _handshake(app, httpserver, "foo=bar") is None


def test_meta_subscription_handshake_through_the_hooks_route(client, whatsapp, twilio_gateway):
    """GET /hooks/<id> echoes hub.challenge for the right verify token, and only then."""
    query = {"hub.mode": "subscribe", "hub.challenge": "1158201444"}
    good = client.get(f"/hooks/{whatsapp}",
                      query_string={**query, "hub.verify_token": CREDENTIALS["verify_token"]})
    assert good.status_code == 200 and good.get_data(as_text=True) == "1158201444"
    wrong = client.get(f"/hooks/{whatsapp}", query_string={**query, "hub.verify_token": "nope"})
    assert wrong.status_code == 401 and wrong.json["code"] == "invalid_signature"
    no_handshake = client.get(f"/hooks/{twilio_gateway}", query_string=query)
    assert no_handshake.status_code == 404 and no_handshake.json["code"] == "not_found"


@pytest.fixture
def twilio_gateway(app, tenant):
    with app.app_context():
        return gateways.add_gateway("sms", "twilio", "Twilio", partner_id=tenant.partner_id,
                                    credentials={"account_sid": "AC1", "auth_token": "t"}).id
