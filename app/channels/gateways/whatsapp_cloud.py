"""Meta WhatsApp Cloud API: template and text sends, signed status and message webhooks.

Send: `POST {base}/{api_version}/{phone_number_id}/messages` with
`Authorization: Bearer <access_token>` and JSON `{"messaging_product": "whatsapp", "to",
"type": "template", "template": {"name", "language": {"code"}, "components": [{"type":
"body", "parameters": [...]}]}}` for a template send, or `"type": "text", "text": {"body"}`.
The answer is `{"messages": [{"id": "wamid..."}]}`; Graph errors are classified as in
`meta_graph` (throttling such as 130429/131048/131056/80007, codes 1/2 and 5xx retry;
invalid parameters (100, 131008, 131009), undeliverable (131026), outside the 24 h window
(131047), template errors (132xxx), and auth (190) are permanent).

Template variables: Switchboard placeholders are names (`{{order_id}}`), so by default each
body parameter carries WhatsApp's `parameter_name` and the order of the list does not
matter to Meta (templates created in WhatsApp Manager with the "named" parameter format).
For templates created with the positional format (`{{1}}`, `{{2}}`), set
`parameter_format: positional`: the values are then sent without names, in the order of the
message's `variables` (the template's placeholder order when the message stores them in it).
Every send carries `biz_opaque_callback_data: <message id>`, which Meta echoes in receipts.

Callbacks: `X-Hub-Signature-256` (HMAC-SHA256 of the raw body, keyed by the app secret).
`entry[].changes[].value.statuses[]`: sent/delivered/read/failed → the same statuses (a
failure carries Meta's error code and title). `value.messages[]` of type text (and button
or interactive replies, by their title) → inbound messages from `+<wa_id>`. Changes for
another `phone_number_id` than the gateway's are ignored. Meta does not report a per-message
price, so no cost is taken from receipts. Subscribing the webhook is the `GET` handshake
answered by `verify_subscription`.

Gateway credentials: `access_token`, `app_secret`, `verify_token`.
Settings: `phone_number_id` (required), `api_version` (default `v23.0`),
`parameter_format` (`named` by default, or `positional`).
"""

from __future__ import annotations

from app.channels.gateways.base import (
    GatewayConfig,
    Inbound,
    Outbound,
    SendResult,
    StatusUpdate,
)
from app.channels.gateways.meta_graph import (
    base_url,
    from_millis,
    graph_failure,
    hub_challenge,
    post_graph,
    verified_json,
)

STATUS_MAP = {"sent": "sent", "delivered": "delivered", "read": "read", "failed": "failed"}


class WhatsAppCloudAdapter:
    provider = "whatsapp_cloud"
    callback_secrets = ("app_secret",)

    def send(self, outbound: Outbound, gateway: GatewayConfig) -> SendResult:
        """POST the template or text message; map the answer to accepted/transient/permanent."""
        phone_number_id = gateway.settings.get("phone_number_id")
        if not phone_number_id:
            return SendResult(False, failure="permanent",
                              error="whatsapp gateway has no phone_number_id setting")
        url = f"{base_url(gateway)}/{phone_number_id}/messages"
        response = post_graph(url, gateway.credentials.get("access_token", ""),
                              request_body(outbound, gateway.settings), "whatsapp")
        if isinstance(response, SendResult):
            return response
        if response.status_code == 200:
            try:
                messages = response.json().get("messages") or [{}]
            except (ValueError, AttributeError):
                messages = [{}]
            return SendResult(True, provider_message_id=messages[0].get("id"))
        return graph_failure(response, "whatsapp")

    def verify_subscription(self, request, gateway: GatewayConfig) -> str | None:
        """Meta's `GET` webhook handshake: the `hub.challenge` to echo, or None."""
        return hub_challenge(request, gateway.credentials.get("verify_token"))

    def parse_callback(self, request, gateway: GatewayConfig) -> list[StatusUpdate | Inbound]:
        """Verify `X-Hub-Signature-256`, then map statuses and inbound messages."""
        payload = verified_json(request, gateway.credentials.get("app_secret"))
        own_number = gateway.settings.get("phone_number_id")
        items: list[StatusUpdate | Inbound] = []
        for entry in _dicts(payload.get("entry")):
            for change in _dicts(entry.get("changes")):
                value = change.get("value")
                if change.get("field") != "messages" or not isinstance(value, dict):
                    continue
                metadata = value.get("metadata") if isinstance(value.get("metadata"),
                                                               dict) else {}
                number = metadata.get("phone_number_id")
                if own_number and number and str(number) != str(own_number):
                    continue
                items.extend(_statuses(value))
                items.extend(_messages(value, metadata))
        return items


def request_body(outbound: Outbound, settings: dict) -> dict:
    """The Cloud API message object for an outbound message."""
    body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": outbound.to,
            "biz_opaque_callback_data": outbound.message_id}
    if not outbound.template:
        body.update(type="text", text={"preview_url": False, "body": outbound.text or ""})
        return body
    named = (settings.get("parameter_format") or "named") != "positional"
    parameters = []
    for name, value in (outbound.variables or {}).items():
        parameter = {"type": "text", "text": str(value)}
        if named:
            parameter["parameter_name"] = name
        parameters.append(parameter)
    template = {"name": outbound.template, "language": {"code": outbound.language or "en"}}
    if parameters:
        template["components"] = [{"type": "body", "parameters": parameters}]
    body.update(type="template", template=template)
    return body


def _statuses(value: dict) -> list[StatusUpdate]:
    updates = []
    for status in _dicts(value.get("statuses")):
        value = status.get("status")
        mapped = STATUS_MAP.get(value) if isinstance(value, str) else None
        if mapped is None or not status.get("id"):
            continue
        error = None
        if mapped == "failed":
            first = next(iter(_dicts(status.get("errors"))), {})
            error = f"whatsapp error {first.get('code')}: {first.get('title') or 'failed'}"
            details = (first.get("error_data") or {}).get("details") if isinstance(
                first.get("error_data"), dict) else None
            if details:
                error += f" ({details})"
        reference = status.get("biz_opaque_callback_data")
        updates.append(StatusUpdate(str(status["id"]), mapped, occurred_at=_seconds(
            status.get("timestamp")), error=error,
            reference=reference if isinstance(reference, str) else None))
    return updates


def _messages(value: dict, metadata: dict) -> list[Inbound]:
    names = {str(c.get("wa_id")): (c.get("profile") or {}).get("name")
             for c in _dicts(value.get("contacts")) if isinstance(c.get("profile"), dict)}
    ours = "".join(ch for ch in str(metadata.get("display_phone_number") or "") if ch.isdigit())
    inbound = []
    for message in _dicts(value.get("messages")):
        text = _text_of(message)
        sender = str(message.get("from") or "")
        if text is None or not sender:
            continue  # media, locations, reactions...: not carried
        inbound.append(Inbound(channel="whatsapp", from_address="+" + sender.lstrip("+"),
                               to_address=f"+{ours}" if ours else None, text=text,
                               provider_message_id=message.get("id"),
                               occurred_at=_seconds(message.get("timestamp")),
                               name=names.get(sender)))
    return inbound


def _text_of(message: dict) -> str | None:
    kind = message.get("type")
    part = message.get(kind) if isinstance(kind, str) else None
    if not isinstance(part, dict):
        return None
    if kind == "text":
        return part.get("body")
    if kind == "button":
        return part.get("text")
    if kind == "interactive":
        reply = part.get("button_reply") or part.get("list_reply") or {}
        return reply.get("title") if isinstance(reply, dict) else None
    return None


def _seconds(value):
    """WhatsApp timestamps are Unix seconds as strings."""
    try:
        return from_millis(int(value) * 1000)
    except (TypeError, ValueError):
        return None


def _dicts(value) -> list[dict]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []
