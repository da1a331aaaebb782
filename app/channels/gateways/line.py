"""LINE Messaging API: push messages with a retry key, and signed webhooks.

Send: `POST {base}/v2/bot/message/push` with `Authorization: Bearer <channel access token>`,
`X-Line-Retry-Key: <UUID>` and JSON `{"to", "messages": [{"type": "text", "text"}]}`. The
retry key is a UUID5 of the Switchboard message id, the same on every attempt: LINE executes
a key once and answers a repeat with 409, which therefore means "already accepted". 429 and
5xx are transient; 400 and the other 4xx permanent. LINE push has no delivery receipts; the
provider id is `sentMessages[0].id` when LINE returns it, else the retry key.

Callbacks: `x-line-signature` is the base64 HMAC-SHA256 of the raw body keyed by the channel
secret. `message` events become inbound messages from the user (or group, or room) id; the
rest (follow, unfollow, postback, ...) and the console's empty verification call are
acknowledged and ignored.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime

import httpx
from flask import current_app

from app.channels.gateways.base import (
    GatewayConfig,
    Inbound,
    InvalidSignature,
    Outbound,
    SendResult,
    http,
    json_object,
)

DEFAULT_BASE_URL = "https://api.line.me"
SIGNATURE_HEADER = "x-line-signature"
RETRY_KEY_HEADER = "X-Line-Retry-Key"
# Fixed namespace: a message's retry key never changes between releases or workers.
RETRY_KEY_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://switchboard.example/line/retry-key")


def retry_key(message_id: str) -> str:
    """The `X-Line-Retry-Key` of a Switchboard message: the same on every attempt."""
    return str(uuid.uuid5(RETRY_KEY_NAMESPACE, message_id))


def signature(channel_secret: str, body: bytes) -> str:
    """LINE's `x-line-signature` of a webhook body."""
    digest = hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class LineAdapter:
    provider = "line"
    callback_secrets = ("channel_secret",)

    def send(self, outbound: Outbound, gateway: GatewayConfig) -> SendResult:
        """POST a push message with the message's retry key; 409 means already accepted."""
        base = (gateway.base_url or DEFAULT_BASE_URL).rstrip("/")
        key = retry_key(outbound.message_id)
        token = gateway.credentials.get("channel_access_token", "")
        try:
            response = http().post(
                f"{base}/v2/bot/message/push",
                json={"to": outbound.to,
                      "messages": [{"type": "text", "text": outbound.text or ""}]},
                headers={"Authorization": f"Bearer {token}", RETRY_KEY_HEADER: key},
                follow_redirects=False,
                timeout=float(current_app.config["GATEWAY_TIMEOUT_SECONDS"]))
        except httpx.HTTPError as exc:
            return SendResult(False, failure="transient",
                              error=f"line unreachable: {type(exc).__name__}: {exc}")
        return _result(response, key)

    def parse_callback(self, request, gateway: GatewayConfig) -> list[Inbound]:
        """Verify `x-line-signature`; turn message events into inbound messages."""
        body = request.get_data()
        secret = gateway.credentials.get("channel_secret") or ""
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not secret or not hmac.compare_digest(signature(secret, body).encode(), given.encode()):
            raise InvalidSignature(f"{SIGNATURE_HEADER} does not match")
        try:
            payload = json.loads(body)
        except ValueError:
            return []
        events = payload.get("events") if isinstance(payload, dict) else None
        if not isinstance(events, list):
            return []
        return [inbound for event in events
                if (inbound := _inbound(event, gateway)) is not None]


def _inbound(event, gateway: GatewayConfig) -> Inbound | None:
    if not isinstance(event, dict) or event.get("type") != "message":
        return None
    source = event.get("source") if isinstance(event.get("source"), dict) else {}
    message = event.get("message") if isinstance(event.get("message"), dict) else {}
    # Where a reply goes: the user, or the group / room the message was posted in.
    address = source.get("groupId") or source.get("roomId") or source.get("userId")
    if not address:
        return None
    timestamp = event.get("timestamp")
    return Inbound(
        channel=gateway.channel, from_address=str(address), to_address=None,
        text=message.get("text") if message.get("type") == "text" else None,
        provider_message_id=str(message["id"]) if message.get("id") else None,
        occurred_at=datetime.fromtimestamp(timestamp / 1000, UTC)
        if isinstance(timestamp, int) else None)


def _result(response: httpx.Response, key: str) -> SendResult:
    body = json_object(response)
    if response.status_code in (200, 409):
        # 409: this retry key was accepted by an earlier attempt (whose answer we lost).
        sent = body.get("sentMessages")
        first = sent[0] if isinstance(sent, list) and sent and isinstance(sent[0], dict) else {}
        return SendResult(True, provider_message_id=str(first.get("id") or key))
    error = f"line {response.status_code}: {body.get('message', '')}".strip()[:500]
    if response.status_code == 429 or response.status_code >= 500:
        retry_after = response.headers.get("Retry-After", "")
        return SendResult(False, failure="transient", error=error,
                          retry_after_seconds=float(retry_after) if retry_after.isdigit()
                          else None)
    return SendResult(False, failure="permanent", error=error)
