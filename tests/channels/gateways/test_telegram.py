"""A live Telegram gateway speaking the Bot API, against a local fake Bot API server.

Covers `sendMessage` as built, Telegram's `ok`/`error_code` answers mapped to the outcome,
and webhook updates checked by their secret token and recorded as inbound messages.
"""

from __future__ import annotations

from functools import partial

import pytest
from sqlalchemy import select
from werkzeug import Response

from app.channels.gateways import InvalidSignature
from app.channels.gateways.telegram import TelegramAdapter
from app.extensions import db
from app.models import Contact, Conversation, Event, Message
from tests.helpers import gateway_config, outbound

TOKEN = "7012345678:AAF-test-bot-token"
SECRET = "tg-webhook-secret_1"
CHAT = 123456789


@pytest.fixture
def telegram(app, tenant, httpserver):
    """A partner-owned live Telegram gateway pointed at the fake Bot API."""
    from app.services.messaging import gateways

    with app.app_context():
        gateway = gateways.add_gateway(
            "telegram", "telegram", "Acme bot (fake)", partner_id=tenant.partner_id,
            environment="live", base_url=httpserver.url_for("/").rstrip("/"),
            credentials={"bot_token": TOKEN, "webhook_secret": SECRET})
        return gateway.id


# This module's gateway and send: the shared builders with Telegram values.
_config = partial(gateway_config, "telegram", channel="telegram",
                  credentials={"bot_token": TOKEN, "webhook_secret": SECRET})
_outbound = partial(outbound, "telegram", to=str(CHAT), text="Your order has shipped")


def _accepts(httpserver, message_id=77, chat=CHAT):
    httpserver.expect_request(f"/bot{TOKEN}/sendMessage", method="POST").respond_with_json(
        {"ok": True, "result": {"message_id": message_id, "date": 1_700_000_000,
                                "chat": {"id": chat, "type": "private"}, "text": "x"}})


def _update(text="Where is my order?", message_id=501, chat=CHAT, key="message"):
    return {"update_id": 900001, key: {
        "message_id": message_id, "date": 1_700_000_100, "text": text,
        "from": {"id": chat, "is_bot": False, "first_name": "Ana", "last_name": "Silva"},
        "chat": {"id": chat, "type": "private", "first_name": "Ana"}}}


def _hook(client, gateway_id, update, secret=SECRET):
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}
    return client.post(f"/hooks/{gateway_id}", json=update, headers=headers)


def test_live_send_posts_send_message_with_the_chat_id(app, tenant, telegram, httpserver,
                                                       drain):
    _accepts(httpserver)
    sent = tenant.live.post("/messages", json={"channel": "telegram", "to": str(CHAT),
                                               "text": "Your order has shipped"})
    assert sent.status_code == 202, sent.json
    drain()
    request, _ = httpserver.log[0]
    assert request.path == f"/bot{TOKEN}/sendMessage"
    assert request.json == {"chat_id": CHAT, "text": "Your order has shipped"}
    with app.app_context():
        message = db.session.get(Message, sent.json["id"])
        assert message.status == "sent" and message.provider_message_id == f"{CHAT}:77"
        assert message.gateway_id == telegram


def test_a_channel_username_is_sent_as_a_string(app_ctx, httpserver):
    _accepts(httpserver, message_id=5, chat=-1001234567890)
    result = TelegramAdapter().send(_outbound(to="@acme_news"), _config(httpserver))
    assert result.accepted and result.provider_message_id == "-1001234567890:5"
    assert httpserver.log[0][0].json["chat_id"] == "@acme_news"


def test_bot_blocked_by_the_user_fails_permanently_and_refunds(app, tenant, telegram,
                                                               httpserver, drain):
    httpserver.expect_request(f"/bot{TOKEN}/sendMessage").respond_with_json(
        {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked by the user"},
        status=403)
    sent = tenant.live.post("/messages", json={"channel": "telegram", "to": str(CHAT),
                                               "text": "x"})
    drain()
    with app.app_context():
        message = db.session.get(Message, sent.json["id"])
        assert message.status == "failed" and message.retry_count == 0
        assert "bot was blocked" in message.last_error
    assert tenant.live.get("/balance").json["available"] == "10.000000"


@pytest.mark.parametrize(("status", "description", "failure"), [
    (400, "Bad Request: chat not found", "permanent"),
    (403, "Forbidden: bot was blocked by the user", "permanent"),
    (401, "Unauthorized", "permanent"),
    (500, "Internal Server Error", "transient"),
    (502, "Bad Gateway", "transient"),
])
def test_error_codes_map_to_the_outcome(app_ctx, httpserver, status, description, failure):
    httpserver.expect_request(f"/bot{TOKEN}/sendMessage").respond_with_json(
        {"ok": False, "error_code": status, "description": description}, status=status)
    result = TelegramAdapter().send(_outbound(), _config(httpserver))
    assert not result.accepted and result.failure == failure
    assert result.error == f"telegram {status}: {description}"


def test_flood_limit_is_transient_and_waits_retry_after(app_ctx, httpserver):
    httpserver.expect_request(f"/bot{TOKEN}/sendMessage").respond_with_json(
        {"ok": False, "error_code": 429, "description": "Too Many Requests: retry after 17",
         "parameters": {"retry_after": 17}}, status=429)
    result = TelegramAdapter().send(_outbound(), _config(httpserver))
    assert result.failure == "transient" and result.retry_after_seconds == 17.0


def test_a_5xx_is_retried_until_telegram_accepts(app, tenant, telegram, httpserver, drain):
    url = f"/bot{TOKEN}/sendMessage"
    httpserver.expect_ordered_request(url).respond_with_response(Response("oops", status=502))
    httpserver.expect_ordered_request(url).respond_with_json(
        {"ok": True, "result": {"message_id": 78, "chat": {"id": CHAT}}})
    sent = tenant.live.post("/messages", json={"channel": "telegram", "to": str(CHAT),
                                               "text": "x"})
    drain()
    with app.app_context():
        message = db.session.get(Message, sent.json["id"])
        assert message.status == "sent" and message.retry_count == 1
        assert message.provider_message_id == f"{CHAT}:78"


def test_an_unreachable_api_is_transient_and_the_error_never_shows_the_token(app_ctx):
    config = _config("http://127.0.0.1:9", credentials={"bot_token": TOKEN})
    result = TelegramAdapter().send(_outbound(), config)
    assert result.failure == "transient" and TOKEN not in result.error


def test_inbound_message_creates_a_contact_and_a_conversation_message(app, client, tenant,
                                                                      telegram):
    assert _hook(client, telegram, _update()).status_code == 200
    assert _hook(client, telegram, _update()).status_code == 200  # Telegram's redelivery
    with app.app_context():
        message = db.session.scalar(select(Message).where(Message.direction == "inbound"))
        assert message.text == "Where is my order?" and message.from_address == str(CHAT)
        assert message.provider_message_id == f"{CHAT}:501"
        assert message.channel == "telegram" and message.environment == "live"
        contact = db.session.get(Contact, message.contact_id)
        assert contact.name == "Ana Silva" and contact.partner_id == tenant.partner_id
        conversation = db.session.get(Conversation, message.conversation_id)
        assert conversation.channel == "telegram" and conversation.contact_id == contact.id
        assert db.session.query(Message).count() == 1
        assert db.session.scalar(select(Event).where(Event.type == "message.received"))


def test_updates_other_than_messages_are_acknowledged_and_ignored(app, client, telegram):
    assert _hook(client, telegram, _update(key="edited_message")).status_code == 200
    assert _hook(client, telegram, {"update_id": 5, "callback_query": {"id": "1"}}
                 ).status_code == 200
    with app.app_context():
        assert db.session.query(Message).count() == 0


@pytest.mark.parametrize("secret", ["not-the-secret", None])
def test_wrong_or_missing_secret_token_is_401_and_records_nothing(app, client, telegram,
                                                                  secret):
    response = _hook(client, telegram, _update(), secret=secret)
    assert response.status_code == 401 and response.json["code"] == "invalid_signature"
    with app.app_context():
        assert db.session.query(Message).count() == 0


def test_a_gateway_without_a_webhook_secret_trusts_no_update(app, httpserver):
    with app.test_request_context("/hooks/gw_test", method="POST", json=_update(),
                                  headers={"X-Telegram-Bot-Api-Secret-Token": ""}):
        from flask import request

        with pytest.raises(InvalidSignature):
            TelegramAdapter().parse_callback(request, _config(httpserver,
                                                              credentials={"bot_token": TOKEN}))
