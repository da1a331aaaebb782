"""Viber REST Bot API: `send_message`, and signed callbacks.

Send: `POST {base}/pa/send_message` with header `X-Viber-Auth-Token` and JSON
`{"receiver", "type": "text", "text", "sender": {"name"[, "avatar"]}}`. Viber answers HTTP 200
whatever happened; the body's `status` says it: 0 is success (with a `message_token`),
anything else an error code from Viber's table, classified below.

Callbacks: every event is signed with `X-Viber-Content-Signature`, the hex HMAC-SHA256 of the
raw body keyed by the auth token. `delivered`, `seen` and `failed` (naming the
`message_token`) become status reports; `message` becomes an inbound message from
`sender.id`. The other events (`webhook`, `subscribed`, `conversation_started`, ...) are
acknowledged and ignored.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime

import httpx
from flask import current_app

from app.channels.gateways.base import (
    UNCONFIRMED_STATUSES,
    GatewayConfig,
    Inbound,
    InvalidSignature,
    Outbound,
    SendResult,
    StatusUpdate,
    http,
    json_object,
    transport_failure,
)

DEFAULT_BASE_URL = "https://chatapi.viber.com"
AUTH_HEADER = "X-Viber-Auth-Token"
SIGNATURE_HEADER = "X-Viber-Content-Signature"
# Viber's status codes (0 is ok). Permanent: no retry of this message can succeed.
PERMANENT = {
    1: "invalidUrl", 2: "invalidAuthToken", 3: "badData", 4: "missingData",
    5: "receiverNotRegistered", 6: "receiverNotSubscribed", 7: "publicAccountBlocked",
    8: "publicAccountNotFound", 9: "publicAccountSuspended", 11: "receiverNoSuitableDevice",
    13: "apiVersionNotSupported", 14: "incompatibleWithVersion",
}
# Transient: a rate-control breach, a webhook the operator has yet to set (Viber refuses
# to send until one is), and Viber's catch-all "general error" codes.
TRANSIENT = {10: "webhookNotSet", 12: "tooManyRequests"}
STATUS_MAP = {"delivered": "delivered", "seen": "read", "failed": "failed"}
SENDER_NAME_MAX = 28  # Viber's limit on `sender.name`


def signature(auth_token: str, body: bytes) -> str:
    """Viber's `X-Viber-Content-Signature` of a callback body."""
    return hmac.new(auth_token.encode(), body, hashlib.sha256).hexdigest()


class ViberAdapter:
    provider = "viber"
    callback_secrets = ("auth_token",)

    def send(self, outbound: Outbound, gateway: GatewayConfig) -> SendResult:
        """POST send_message; map Viber's status code to accepted/transient/permanent."""
        settings = gateway.settings
        base = (gateway.base_url or DEFAULT_BASE_URL).rstrip("/")
        name = outbound.from_ or settings.get("sender_name")
        if not name:
            return SendResult(False, failure="permanent",
                              error="viber gateway misconfigured: no `sender_name` setting")
        sender = {"name": name[:SENDER_NAME_MAX]}
        if settings.get("sender_avatar"):
            sender["avatar"] = settings["sender_avatar"]
        payload = {"receiver": outbound.to, "type": "text", "text": outbound.text or "",
                   "sender": sender}
        try:
            response = http().post(
                f"{base}/pa/send_message", json=payload,
                headers={AUTH_HEADER: gateway.credentials.get("auth_token", "")},
                follow_redirects=False,
                timeout=float(current_app.config["GATEWAY_TIMEOUT_SECONDS"]))
        except httpx.HTTPError as exc:
            return transport_failure("viber", exc)
        return _result(response)

    def parse_callback(self, request, gateway: GatewayConfig) -> list[StatusUpdate | Inbound]:
        """Verify `X-Viber-Content-Signature`; parse receipts and inbound messages."""
        body = request.get_data()
        token = gateway.credentials.get("auth_token") or ""
        given = request.headers.get(SIGNATURE_HEADER, "")
        if not token or not hmac.compare_digest(signature(token, body).encode(),
                                                given.lower().encode()):
            raise InvalidSignature(f"{SIGNATURE_HEADER} does not match")
        try:
            event = json.loads(body)
        except ValueError:
            return []
        if not isinstance(event, dict):
            return []
        kind, occurred = event.get("event"), _timestamp(event.get("timestamp"))
        if isinstance(kind, str) and kind in STATUS_MAP and event.get("message_token") is not None:
            error = None
            if kind == "failed":
                error = f"viber: {event.get('desc') or 'message failed'}"[:500]
            return [StatusUpdate(str(event["message_token"]), STATUS_MAP[kind],
                                 occurred_at=occurred, error=error)]
        if kind == "message":
            sender = event.get("sender") if isinstance(event.get("sender"), dict) else {}
            message = event.get("message") if isinstance(event.get("message"), dict) else {}
            if not sender.get("id"):
                return []
            token_id = event.get("message_token")
            return [Inbound(channel=gateway.channel, from_address=str(sender["id"]),
                            to_address=None, text=message.get("text"),
                            provider_message_id=str(token_id) if token_id is not None else None,
                            occurred_at=occurred, name=sender.get("name") or None)]
        return []


def _result(response: httpx.Response) -> SendResult:
    if response.status_code != 200:
        error = f"viber HTTP {response.status_code}"
        if response.status_code == 429 or response.status_code >= 500:
            return SendResult(False, failure="transient", error=error,
                              unconfirmed=response.status_code in UNCONFIRMED_STATUSES)
        return SendResult(False, failure="permanent", error=error)
    body = json_object(response)
    if not isinstance(body.get("status"), int):
        return SendResult(False, failure="transient", error="viber: unreadable answer")
    status = body["status"]
    if status == 0:
        token = body.get("message_token")
        return SendResult(True, provider_message_id=str(token) if token is not None else None)
    name = PERMANENT.get(status) or TRANSIENT.get(status) or "generalError"
    error = f"viber {status} {name}: {body.get('status_message', '')}".strip()[:500]
    if status in PERMANENT:
        return SendResult(False, failure="permanent", error=error)
    return SendResult(False, failure="transient", error=error)


def _timestamp(value) -> datetime | None:
    """Viber's epoch milliseconds."""
    if not isinstance(value, int):
        return None
    return datetime.fromtimestamp(value / 1000, UTC)
