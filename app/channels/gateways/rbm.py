"""Google RCS Business Messaging (RBM): agent messages and the agent's signed webhook.

Send: `POST {base}/v1/phones/{E.164}/agentMessages?messageId=<UUID>&agentId=<agent_id>`
with an OAuth2 bearer token (scope `rcsbusinessmessaging`, see `google_api`) and JSON
`{"contentMessage": {"text"}}`. RBM requires `messageId` to be a UUID and ignores a second
message with an ID it has seen, which makes it the idempotency token: it is the message's
own ULID written as a UUID (same 128 bits), so every retry of a message carries the same
one. That UUID is also the provider message id that receipts name.

Answers: 200 → sent. 404 with status NOT_FOUND → the user is not RCS-capable (or not
reachable by this agent on their network): `not_capable`, and the engine sends an SMS
instead (a 404 without Google's error JSON, say a wrong base URL, is permanent). 409
ALREADY_EXISTS → an earlier attempt with this messageId went through: sent. 400, 401, 403
→ permanent. 429 and 5xx → transient, honouring `Retry-After`.

Webhook: RBM posts `{"message": {"data": base64(JSON), "messageId", "publishTime"}}`
(Pub/Sub push style) signed with `X-Goog-Signature`: base64 HMAC-SHA512 of the decoded
`data`, keyed by the webhook's `clientToken`. The decoded JSON is a user event
(`eventType` DELIVERED → delivered, READ → read; IS_TYPING is ignored) or a user message
(`text`, or a tapped suggestion's `suggestionResponse.text` → inbound from
`senderPhoneNumber`; files and locations are not carried). Registering the webhook, RBM
posts `{"clientToken", "secret"}` and expects `secret` back as the body of a 200:
`verify_subscription` answers it.

Gateway credentials: `client_token` (webhook), and `access_token` or `service_account`.
Settings: `agent_id` (required by RBM), `token_url` (optional token endpoint override).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import uuid
from datetime import UTC, datetime

import httpx
from flask import current_app
from ulid import ULID

from app.channels.gateways.base import (
    GatewayConfig,
    Inbound,
    InvalidSignature,
    Outbound,
    SendResult,
    StatusUpdate,
    http,
)
from app.channels.gateways.google_api import TokenError, bearer_token, error_of, retry_after

DEFAULT_BASE_URL = "https://rcsbusinessmessaging.googleapis.com"
SCOPE = "https://www.googleapis.com/auth/rcsbusinessmessaging"
EVENT_MAP = {"DELIVERED": "delivered", "READ": "read"}
_FRACTION = re.compile(r"\.(\d+)")


def rbm_message_id(message_id: str) -> str:
    """The UUID RBM gets for a Switchboard message id (`msg_<ULID>`): the same 128 bits."""
    try:
        return str(ULID.from_str(message_id.rsplit("_", 1)[-1]).to_uuid())
    except ValueError:  # not a ULID: still one stable UUID per id
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"switchboard:{message_id}"))


def signature(client_token: str, data: bytes) -> str:
    """RBM's `X-Goog-Signature` for the decoded `message.data` of a webhook."""
    return base64.b64encode(hmac.new(client_token.encode(), data, hashlib.sha512).digest()
                            ).decode()


class RbmAdapter:
    provider = "rbm"
    callback_secrets = ("client_token",)

    def send(self, outbound: Outbound, gateway: GatewayConfig) -> SendResult:
        """Create the agent message; 404 means the recipient cannot receive RCS."""
        try:
            token = bearer_token(gateway, SCOPE)
        except TokenError as exc:
            return SendResult(False, failure=exc.failure, error=f"rbm auth: {exc}")
        message_id = rbm_message_id(outbound.message_id)
        params = {"messageId": message_id}
        if gateway.settings.get("agent_id"):
            params["agentId"] = gateway.settings["agent_id"]
        base = (gateway.base_url or DEFAULT_BASE_URL).rstrip("/")
        try:
            response = http().post(
                f"{base}/v1/phones/{outbound.to}/agentMessages", params=params,
                json={"contentMessage": {"text": outbound.text or ""}},
                headers={"Authorization": f"Bearer {token}"}, follow_redirects=False,
                timeout=float(current_app.config["GATEWAY_TIMEOUT_SECONDS"]))
        except httpx.HTTPError as exc:
            return SendResult(False, failure="transient", error=f"rbm unreachable: {exc!r}")
        if response.status_code in (200, 409):
            return SendResult(True, provider_message_id=message_id)
        status, text = error_of(response)
        error = f"rbm {response.status_code}: {status} {text}".strip()
        if response.status_code == 404 and status == "NOT_FOUND":
            return SendResult(False, failure="not_capable", error=error)
        if response.status_code == 429 or response.status_code >= 500:
            return SendResult(False, failure="transient", error=error,
                              retry_after_seconds=retry_after(response))
        return SendResult(False, failure="permanent", error=error)

    def verify_subscription(self, request, gateway: GatewayConfig) -> str | None:
        """RBM's webhook registration: the `secret` to echo when `clientToken` matches."""
        body = _json_body(request)
        if request.method != "POST" or "secret" not in body or "message" in body:
            return None
        _check_client_token(body.get("clientToken"), gateway)
        return str(body["secret"])

    def parse_callback(self, request, gateway: GatewayConfig) -> list[StatusUpdate | Inbound]:
        """Verify `X-Goog-Signature` over the decoded data, then map the event or message."""
        body = _json_body(request)
        if "clientToken" in body and "message" not in body:
            _check_client_token(body.get("clientToken"), gateway)
            return []  # the registration handshake: nothing to record
        message = body.get("message") if isinstance(body.get("message"), dict) else {}
        try:
            data = base64.b64decode(message.get("data") or "", validate=True)
        except (binascii.Error, ValueError, TypeError):
            raise InvalidSignature("message.data is not base64") from None
        client_token = gateway.credentials.get("client_token")
        given = request.headers.get("X-Goog-Signature", "")
        if not client_token or not given or not data or not hmac.compare_digest(
                signature(client_token, data).encode(), given.encode()):
            raise InvalidSignature("X-Goog-Signature does not match")
        try:
            event = json.loads(data)
        except ValueError:
            return []
        return _items(event, gateway.channel) if isinstance(event, dict) else []


def _items(event: dict, channel: str) -> list[StatusUpdate | Inbound]:
    at = _rfc3339(event.get("sendTime"))
    if "eventType" in event:
        kind = event.get("eventType")
        status = EVENT_MAP.get(kind) if isinstance(kind, str) else None
        if status is None or not event.get("messageId"):
            return []
        return [StatusUpdate(str(event["messageId"]), status, occurred_at=at)]
    suggestion = event.get("suggestionResponse")
    text = event.get("text")
    if text is None and isinstance(suggestion, dict):
        text = suggestion.get("text")
    if not isinstance(text, str) or not event.get("senderPhoneNumber"):
        return []
    return [Inbound(channel=channel, from_address=str(event["senderPhoneNumber"]),
                    to_address=None, text=text, provider_message_id=event.get("messageId"),
                    occurred_at=at)]


def _json_body(request) -> dict:
    try:
        body = json.loads(request.get_data(cache=True) or b"{}")
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _check_client_token(given, gateway: GatewayConfig) -> None:
    expected = gateway.credentials.get("client_token")
    if not expected or not isinstance(given, str) or not hmac.compare_digest(given.encode(),
                                                                          expected.encode()):
        raise InvalidSignature("clientToken does not match")


def _rfc3339(value) -> datetime | None:
    """RBM times have up to nanoseconds ("2018-12-31T15:01:23.045123456Z")."""
    if not isinstance(value, str):
        return None
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), value, count=1)
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
