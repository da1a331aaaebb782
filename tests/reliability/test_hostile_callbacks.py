"""Hostile provider callbacks: every adapter's parser, and `/hooks/<gateway>` end to end, fed
correctly signed bodies of any shape (hypothesis), never fail with anything but the
documented refusals (InvalidSignature → 401, a 4xx problem), and what they parse is well
typed. Also the SMS segment counter's invariants over any text.
"""

from __future__ import annotations

import base64
import json

import hypothesis
import pytest
from flask import request as flask_request
from hypothesis import strategies as st

from app.channels.gateways import Inbound, InvalidSignature, StatusUpdate, adapter_for
from app.channels.validation import GSM7_BASIC, GSM7_EXTENSION, count_segments
from app.errors import ApiError
from app.services.messaging import gateways
from tests.channels.gateways import _signing
from tests.helpers import gateway_config

SECRET = "hostile-callback-secret"
# provider → (channel, the credential its callbacks are signed with)
PROVIDERS = {
    "twilio": ("sms", "auth_token"), "whatsapp_cloud": ("whatsapp", "app_secret"),
    "meta_graph": ("messenger", "app_secret"), "rbm": ("rcs", "client_token"),
    "smtp": ("email", "webhook_secret"), "telegram": ("telegram", "webhook_secret"),
    "viber": ("viber", "auth_token"), "line": ("line", "channel_secret"),
    "webchat": ("webchat", "webhook_secret"), "fcm": ("push", None),
}
# Keys the providers' payloads use, so generated objects reach deep into each parser.
KEYS = ["object", "entry", "id", "time", "changes", "field", "value", "metadata", "statuses",
        "status", "timestamp", "recipient_id", "errors", "code", "title", "error_data",
        "details", "messages", "from", "type", "text", "body", "contacts", "wa_id", "profile",
        "name", "biz_opaque_callback_data", "messaging", "sender", "recipient", "message",
        "mid", "delivery", "mids", "watermark", "read", "events", "source", "userId",
        "groupId", "roomId", "replyToken", "event", "message_token", "user", "message_id",
        "chat", "update_id", "date", "edited_message", "visitor_id", "occurred_at",
        "diagnostic", "senderPhoneNumber", "agentId", "eventType", "eventId", "sendTime",
        "data", "messageId", "clientToken", "secret", "suggestionResponse", "userFile",
        "pricing", "conversation", "first_name", "username"]
SCALARS = (st.none() | st.booleans() | st.integers(-2**63, 2**63) | st.floats(allow_nan=False)
           | st.text(max_size=30) | st.sampled_from(["text", "message", "delivered", "read",
                                                     "sent", "failed", "bounce", "soft_bounce",
                                                     "1750000000", "2026-05-23T14:22:17Z"]))
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(KEYS) | st.text(max_size=10), inner, max_size=6), max_leaves=40)
FORMS = st.dictionaries(st.sampled_from(["MessageSid", "SmsSid", "MessageStatus", "SmsStatus",
                                         "Body", "From", "To", "ErrorCode", "NumMedia"])
                        | st.text(min_size=1, max_size=10),
                        st.text(max_size=40) | st.sampled_from(["received", "delivered",
                                                                "undelivered", "sent"]),
                        max_size=8)
RAW = st.binary(max_size=300)
SETTINGS = hypothesis.settings(max_examples=60, deadline=None, database=None,
                               suppress_health_check=list(hypothesis.HealthCheck))


def _credentials(provider: str) -> dict:
    key = PROVIDERS[provider][1]
    return {key: SECRET} if key else {}


def _signed(provider: str, payload, url: str) -> dict:
    """The request (`data`, `headers`, `content_type`) the provider would send."""
    if provider == "twilio":
        form = {str(k): str(v) for k, v in payload.items()} if isinstance(payload, dict) else {}
        return {"data": form, "headers": {"X-Twilio-Signature": _signing.twilio(
            SECRET, url, form)}}
    if provider == "rbm":
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        body = json.dumps({"message": {"data": base64.b64encode(data).decode(),
                                       "messageId": "x", "publishTime": "y"}}).encode()
        return {"data": body, "content_type": "application/json",
                "headers": {"X-Goog-Signature": _signing.rbm(SECRET, data)}}
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {
        "whatsapp_cloud": lambda: {"X-Hub-Signature-256": _signing.meta(SECRET, body)},
        "meta_graph": lambda: {"X-Hub-Signature-256": _signing.meta(SECRET, body)},
        "line": lambda: {"x-line-signature": _signing.line(SECRET, body)},
        "viber": lambda: {"X-Viber-Content-Signature": _signing.viber(SECRET, body)},
        "telegram": lambda: {"X-Telegram-Bot-Api-Secret-Token": SECRET},
        "smtp": lambda: _signing.switchboard(SECRET, body),
        "webchat": lambda: _signing.switchboard(SECRET, body),
        "fcm": dict,
    }[provider]()
    return {"data": body, "content_type": "application/json", "headers": headers}


def _payloads(provider: str):
    return FORMS if provider == "twilio" else JSON | RAW


def _check_items(items) -> None:
    assert isinstance(items, list)
    for item in items:
        if isinstance(item, StatusUpdate):
            assert isinstance(item.provider_message_id, str) and item.provider_message_id
            assert isinstance(item.status, str)
            assert item.reference is None or isinstance(item.reference, str)
            assert item.error is None or isinstance(item.error, str)
        else:
            assert isinstance(item, Inbound)
            assert isinstance(item.from_address, str) and item.from_address
            assert item.text is None or isinstance(item.text, str)
            assert item.provider_message_id is None or isinstance(item.provider_message_id, str)


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_each_parser_takes_any_signed_body_or_refuses_it_as_documented(app, provider):
    channel = PROVIDERS[provider][0]
    config = gateway_config(provider, "https://provider.example", channel=channel,
                            credentials=_credentials(provider))
    url = app.config["APP_PUBLIC_URL"].rstrip("/") + "/hooks/gw_test"
    adapter = adapter_for(provider)

    @SETTINGS
    @hypothesis.given(payload=_payloads(provider))
    def parse(payload):
        with app.test_request_context("/hooks/gw_test", method="POST",
                                      **_signed(provider, payload, url)):
            try:
                items = adapter.parse_callback(flask_request, config)
            except InvalidSignature:
                return
            except ApiError as exc:
                assert 400 <= exc.entry.status < 500, exc
                return
            _check_items(items)

    parse()


@pytest.mark.parametrize("provider", sorted(PROVIDERS))
def test_the_hook_answers_any_signed_body_without_a_server_error(app, client, tenant,
                                                                 provider):
    channel, _ = PROVIDERS[provider]
    with app.app_context():
        gateway_id = gateways.add_gateway(
            channel, provider, f"{provider} (hostile)", partner_id=tenant.partner_id,
            environment="live", base_url="smtp://127.0.0.1:9" if provider == "smtp" else None,
            credentials=_credentials(provider), settings={"agent_id": "agent"}).id
    url = app.config["APP_PUBLIC_URL"].rstrip("/") + f"/hooks/{gateway_id}"

    @hypothesis.settings(SETTINGS, max_examples=25)
    @hypothesis.given(payload=_payloads(provider))
    def post(payload):
        response = client.post(f"/hooks/{gateway_id}", **_signed(provider, payload, url))
        assert response.status_code < 500, response.get_data(as_text=True)[:300]
        if response.status_code >= 400:
            assert response.mimetype == "application/problem+json"

    post()


# --- the SMS segment counter ---------------------------------------------------------------

GSM = sorted(GSM7_BASIC | GSM7_EXTENSION)
TEXTS = st.text(max_size=500) | st.text(st.sampled_from(GSM), max_size=500) | st.text(
    st.sampled_from(GSM) | st.sampled_from(["é", "€", "😀", "\u200b", "\u202e", "ש", "\x00"]),
    max_size=400)


@hypothesis.settings(max_examples=300, deadline=None, database=None)
@hypothesis.given(text=TEXTS, more=st.text(max_size=3))
def test_segment_counts_hold_their_invariants_for_any_text(text, more):
    counted = count_segments(text)
    gsm = all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)
    assert counted.encoding == ("GSM-7" if gsm else "UCS-2")
    assert counted.characters == len(text)
    assert (counted.segments == 0) == (text == "")
    if gsm:
        units, single, part = sum(2 if ch in GSM7_EXTENSION else 1 for ch in text), 160, 153
    else:
        units, single, part = sum(2 if ord(ch) > 0xFFFF else 1 for ch in text), 70, 67
    if text and units <= single:
        assert counted.segments == 1
    elif text:
        # Greedy packing never splits a 2-unit character, so a part holds part-1 at worst.
        assert -(-units // part) <= counted.segments <= -(-units // (part - 1))
    assert count_segments(text + more).segments >= counted.segments  # never fewer for more
