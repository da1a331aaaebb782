"""Meta Graph Send API (Messenger and Instagram), and what every Meta adapter shares.

Send: `POST {base}/{api_version}/{page_id}/messages` (or `/me/messages` without a `page_id`
setting) with `Authorization: Bearer <page_access_token>` and JSON
`{"recipient": {"id"}, "messaging_type", "message": {"text"}}`; the answer is
`{"recipient_id", "message_id"}`. Graph errors come as
`{"error": {"message", "type", "code", "error_subcode", "is_transient"}}` and are classified
by `code` (throttling and temporary failures retry; everything else is permanent).

Callbacks: Meta signs every webhook POST with `X-Hub-Signature-256: sha256=<hex>`, the
HMAC-SHA256 of the raw body keyed by the app secret. `entry[].messaging[]` items carry a
`message` (inbound; page echoes are ignored), a `delivery` (`mids` → delivered) or a `read`.
Instagram's `read` names the message (`mid` → read); Messenger's `read` only has a
`watermark` (everything sent before it was read) and no message id, so it is not mapped:
matching it would mean comparing Meta's clock with ours, and a wrong guess cannot be taken
back (status only moves forward). Delivery receipts without `mids` are skipped the same way.
Subscribing the webhook is Meta's `GET` handshake (`hub.mode`, `hub.verify_token`,
`hub.challenge`), answered by `verify_subscription`.

Gateway credentials: `page_access_token`, `app_secret`, `verify_token`.
Settings: `page_id` (optional), `api_version` (default `v23.0`), `messaging_type`
(default `RESPONSE`; `UPDATE` or `MESSAGE_TAG`) and `tag` (with `MESSAGE_TAG`, such as
`HUMAN_AGENT`).
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

DEFAULT_BASE_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v23.0"
# Graph error codes worth another attempt: unknown/service errors, throttling (app, page,
# account and WhatsApp pair/spam limits) and "temporarily unavailable" conditions.
TRANSIENT_CODES = frozenset({1, 2, 4, 17, 32, 341, 613, 1200, 80007, 130429, 131000, 131016,
                             131048, 131056, 131057, 133004})


# --- shared by the Meta adapters (WhatsApp Cloud API is a Graph API too) --------------------


def signature_256(app_secret: str, body: bytes) -> str:
    """The `X-Hub-Signature-256` value Meta sends for a webhook body."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def verified_json(request, app_secret: str | None) -> dict:
    """The webhook's JSON body once `X-Hub-Signature-256` verifies; raises InvalidSignature."""
    body = request.get_data(cache=True)
    given = request.headers.get("X-Hub-Signature-256", "")
    if not app_secret or not given or not hmac.compare_digest(
            signature_256(app_secret, body).encode(), given.encode()):
        raise InvalidSignature("X-Hub-Signature-256 does not match")
    try:
        payload = json.loads(body or b"{}")
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def hub_challenge(request, verify_token: str | None) -> str | None:
    """Answer Meta's subscription handshake: the challenge, or None when it is not one."""
    if request.method != "GET" or "hub.mode" not in request.args:
        return None
    given = request.args.get("hub.verify_token", "")
    if (request.args.get("hub.mode") != "subscribe" or not verify_token
            or not hmac.compare_digest(given.encode(), verify_token.encode())):
        raise InvalidSignature("hub.verify_token does not match")
    return request.args.get("hub.challenge", "")


def post_graph(url: str, token: str, payload: dict, label: str) -> httpx.Response | SendResult:
    """POST JSON with a bearer token; a transient SendResult when Meta cannot be reached."""
    try:
        return http().post(url, json=payload, headers={"Authorization": f"Bearer {token}"},
                          follow_redirects=False,
                          timeout=float(current_app.config["GATEWAY_TIMEOUT_SECONDS"]))
    except httpx.HTTPError as exc:
        return transport_failure(label, exc)


def graph_failure(response: httpx.Response, label: str) -> SendResult:
    """Classify a Graph error answer as a transient or permanent failure."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    code, subcode = error.get("code"), error.get("error_subcode")
    detail = f"{label} {response.status_code}: error {code}"
    if subcode:
        detail += f"/{subcode}"
    if error.get("message"):
        detail += f" {error['message']}"
    details = (error.get("error_data") or {}).get("details") if isinstance(
        error.get("error_data"), dict) else None
    if details:
        detail += f" ({details})"
    if _is_transient(response.status_code, code, error.get("is_transient")):
        return SendResult(False, failure="transient", error=detail,
                          unconfirmed=response.status_code in UNCONFIRMED_STATUSES)
    return SendResult(False, failure="permanent", error=detail)


def _is_transient(http_status: int, code, is_transient) -> bool:
    if is_transient is True:
        return True
    try:
        code = int(code)
    except (TypeError, ValueError):
        code = None
    if code is not None:
        return code in TRANSIENT_CODES
    return http_status == 429 or http_status >= 500


def from_millis(value) -> datetime | None:
    """A Graph millisecond timestamp as an aware datetime."""
    try:
        return datetime.fromtimestamp(int(value) / 1000, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return None


def base_url(gateway: GatewayConfig) -> str:
    """The Graph root and API version for a gateway."""
    base = (gateway.base_url or DEFAULT_BASE_URL).rstrip("/")
    return f"{base}/{gateway.settings.get('api_version') or DEFAULT_API_VERSION}"


# --- Messenger and Instagram ----------------------------------------------------------------


class MetaGraphAdapter:
    provider = "meta_graph"
    callback_secrets = ("app_secret",)

    def send(self, outbound: Outbound, gateway: GatewayConfig) -> SendResult:
        """POST the text to the Send API; map the answer to accepted/transient/permanent."""
        settings = gateway.settings
        payload = {"recipient": {"id": outbound.to},
                   "messaging_type": settings.get("messaging_type") or "RESPONSE",
                   "message": {"text": outbound.text or ""}}
        if payload["messaging_type"] == "MESSAGE_TAG":
            payload["tag"] = settings.get("tag") or "HUMAN_AGENT"
        url = f"{base_url(gateway)}/{settings.get('page_id') or 'me'}/messages"
        response = post_graph(url, gateway.credentials.get("page_access_token", ""), payload,
                              "meta")
        if isinstance(response, SendResult):
            return response
        if response.status_code == 200:
            return SendResult(True, provider_message_id=json_object(response).get("message_id"))
        return graph_failure(response, "meta")

    def verify_subscription(self, request, gateway: GatewayConfig) -> str | None:
        """Meta's `GET` webhook handshake: the `hub.challenge` to echo, or None."""
        return hub_challenge(request, gateway.credentials.get("verify_token"))

    def parse_callback(self, request, gateway: GatewayConfig) -> list[StatusUpdate | Inbound]:
        """Verify `X-Hub-Signature-256`, then map messages, deliveries and reads."""
        payload = verified_json(request, gateway.credentials.get("app_secret"))
        items: list[StatusUpdate | Inbound] = []
        for entry in payload.get("entry") or []:
            for event in (entry.get("messaging") or []) if isinstance(entry, dict) else []:
                if isinstance(event, dict):
                    items.extend(_event_items(event, gateway.channel))
        return items


def _event_items(event: dict, channel: str) -> list[StatusUpdate | Inbound]:
    if isinstance(event.get("message"), dict):
        message = event["message"]
        sender = _party_id(event, "sender")
        if message.get("is_echo") or not isinstance(message.get("text"), str) or not sender:
            return []  # our own sends echoed back, or attachments (not carried)
        return [Inbound(channel=channel, from_address=sender,
                        to_address=_party_id(event, "recipient"), text=message["text"],
                        provider_message_id=message.get("mid"),
                        occurred_at=from_millis(event.get("timestamp")))]
    if isinstance(event.get("delivery"), dict):
        delivery = event["delivery"]
        at = from_millis(delivery.get("watermark"))
        return [StatusUpdate(mid, "delivered", occurred_at=at)
                for mid in delivery.get("mids") or [] if isinstance(mid, str)]
    if isinstance(event.get("read"), dict) and isinstance(event["read"].get("mid"), str):
        return [StatusUpdate(event["read"]["mid"], "read",
                             occurred_at=from_millis(event.get("timestamp")))]
    return []


def _party_id(event: dict, key: str) -> str | None:
    party = event.get(key)
    value = party.get("id") if isinstance(party, dict) else None
    return str(value) if value not in (None, "") else None
