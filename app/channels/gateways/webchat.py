"""Web chat: Switchboard's own chat widget, so there is no external provider to call.

Send: the message row itself is what the widget's backend shows the visitor, so an attempt
is accepted at once with the Switchboard message id as the provider's id; nothing leaves
the process and nothing is scheduled.

Callbacks: the widget's backend posts JSON to `/hooks/<gateway_id>` signed with the
gateway's `webhook_secret`: `X-Switchboard-Timestamp: <Unix seconds>` and
`X-Switchboard-Signature: sha256=<hex HMAC-SHA256(secret, "<timestamp>." + raw body)>`.
A timestamp more than REPLAY_WINDOW_SECONDS away from our clock is refused, so a captured
callback cannot be replayed later (inside the window, receipts only move forward and
inbound messages are deduplicated by their id). A visitor's message is
`{"type": "message", "visitor_id", "text", "id"}` (and an optional `name`); a receipt is
`{"type": "delivered" | "read", "message_id"}`. The body may also be a JSON array of such
objects. The same signing scheme serves every hook whose format Switchboard defines (the
SMTP gateway's bounce notices use it too).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime

from app.channels.gateways.base import (
    GatewayConfig,
    Inbound,
    InvalidSignature,
    Outbound,
    SendResult,
    StatusUpdate,
)
from app.errors import ApiError

SIGNATURE_HEADER = "X-Switchboard-Signature"
TIMESTAMP_HEADER = "X-Switchboard-Timestamp"
REPLAY_WINDOW_SECONDS = 300
RECEIPTS = ("delivered", "read")


def signature(secret: str, body: bytes, timestamp: int | str) -> str:
    """The `X-Switchboard-Signature` value of a hook body sent at `timestamp`."""
    signed = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def signed_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The two headers a sender of a Switchboard-format hook adds (for relays and tests)."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature(secret, body, timestamp)}


def verify_signature(secret: str | None, body: bytes, headers) -> None:
    """Raise InvalidSignature unless the headers sign `body` with `secret`, recently."""
    given = headers.get(SIGNATURE_HEADER, "")
    timestamp = headers.get(TIMESTAMP_HEADER, "")
    # No configured secret means no callback can be trusted: refuse them all.
    if not secret or not timestamp.isascii() or not timestamp.isdigit() or not hmac.compare_digest(
            signature(secret, body, timestamp).encode(), given.encode()):
        raise InvalidSignature(f"{SIGNATURE_HEADER} does not match")
    if abs(time.time() - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        raise InvalidSignature(f"{TIMESTAMP_HEADER} is outside the replay window")


def json_items(body: bytes) -> list[dict]:
    """A hook body as a list of objects: one JSON object, or an array of them."""
    try:
        parsed = json.loads(body)
    except ValueError:
        raise ApiError("invalid_json") from None
    items = parsed if isinstance(parsed, list) else [parsed]
    if not all(isinstance(item, dict) for item in items):
        raise ApiError("invalid_json", "The body is a JSON object or an array of objects.")
    return items


class WebchatAdapter:
    provider = "webchat"
    callback_secrets = ("webhook_secret",)

    def send(self, outbound: Outbound, gateway: GatewayConfig) -> SendResult:
        """Accept at once: the widget reads the stored message; no provider is called."""
        return SendResult(True, provider_message_id=outbound.message_id)

    def parse_callback(self, request, gateway: GatewayConfig) -> list[StatusUpdate | Inbound]:
        """Verify `X-Switchboard-Signature`; parse visitors' messages and receipts."""
        body = request.get_data()
        verify_signature(gateway.credentials.get("webhook_secret"), body, request.headers)
        return [_item(item, gateway) for item in json_items(body)]


def _item(item: dict, gateway: GatewayConfig) -> StatusUpdate | Inbound:
    kind = item.get("type")
    if kind == "message":
        visitor, text, message_id = item.get("visitor_id"), item.get("text"), item.get("id")
        for field, value in (("visitor_id", visitor), ("id", message_id), ("text", text)):
            if not isinstance(value, str) or not value.strip():
                raise ApiError("invalid_field", f"A message needs `{field}` (a string).",
                               param=field)
        name = item.get("name")
        return Inbound(channel=gateway.channel, from_address=visitor, to_address=None,
                       text=text, provider_message_id=message_id,
                       occurred_at=_timestamp(item.get("occurred_at")),
                       name=name if isinstance(name, str) and name.strip() else None)
    if kind in RECEIPTS:
        message_id = item.get("message_id")
        if not isinstance(message_id, str) or not message_id.strip():
            raise ApiError("invalid_field", f"A `{kind}` receipt needs `message_id`.",
                           param="message_id")
        return StatusUpdate(message_id, kind, occurred_at=_timestamp(item.get("occurred_at")))
    raise ApiError("invalid_field", "`type` is message, delivered or read.", param="type")


def _timestamp(value) -> datetime | None:
    """An optional RFC 3339 `occurred_at`; the time of receipt when absent."""
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError("invalid_field", "`occurred_at` is an RFC 3339 timestamp.",
                       param="occurred_at") from None
    return parsed if parsed.tzinfo else None
