"""Telegram Bot API: `sendMessage`, and updates pushed to a webhook.

Send: `POST {base}/bot{token}/sendMessage` with JSON `{"chat_id", "text"}`; Telegram answers
`{"ok": true, "result": {"message_id", "chat": {"id"}, ...}}` or
`{"ok": false, "error_code", "description", "parameters": {"retry_after"}}` with the same
HTTP status as `error_code`. 429 is a flood limit (retry after `retry_after` seconds), 5xx
an outage: transient; 400/403 (chat not found, bot blocked by the user) and the other 4xx:
permanent. The bot token is part of the URL, so it is kept out of every error text.

Callbacks: Telegram signs nothing; `setWebhook`'s `secret_token` comes back in
`X-Telegram-Bot-Api-Secret-Token` on every update and must equal the gateway's
`webhook_secret`. `message` updates become inbound messages from the chat id; the Bot API
has no delivery receipts. Telegram's message ids are unique per chat only, so ours are
`<chat id>:<message id>`.
"""

from __future__ import annotations

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
    http,
    json_object,
    transport_failure,
)

DEFAULT_BASE_URL = "https://api.telegram.org"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name


class TelegramAdapter:
    provider = "telegram"
    callback_secrets = ("webhook_secret",)

    def send(self, outbound: Outbound, gateway: GatewayConfig) -> SendResult:
        """POST sendMessage; map Telegram's answer to accepted/transient/permanent."""
        token = gateway.credentials.get("bot_token", "")
        base = (gateway.base_url or DEFAULT_BASE_URL).rstrip("/")
        chat_id = _chat_id(outbound.to)
        try:
            response = http().post(
                f"{base}/bot{token}/sendMessage",
                json={"chat_id": chat_id, "text": outbound.text or ""},
                follow_redirects=False,
                timeout=float(current_app.config["GATEWAY_TIMEOUT_SECONDS"]))
        except httpx.HTTPError as exc:
            detail = f"{type(exc).__name__}: {exc}".replace(token, "***") if token else repr(exc)
            return transport_failure("telegram", exc, f"telegram unreachable: {detail}")
        return _result(response, chat_id)

    def parse_callback(self, request, gateway: GatewayConfig) -> list[Inbound]:
        """Check the webhook's secret token; turn a `message` update into an inbound."""
        expected = gateway.credentials.get("webhook_secret") or ""
        given = request.headers.get(SECRET_HEADER, "")
        if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
            raise InvalidSignature(f"{SECRET_HEADER} does not match")
        try:
            update = json.loads(request.get_data())
        except ValueError:
            return []
        message = update.get("message") if isinstance(update, dict) else None
        if not isinstance(message, dict) or not isinstance(message.get("chat"), dict):
            return []  # edits, channel posts, callback queries...: nothing to record
        chat_id = message["chat"].get("id")
        if chat_id is None:
            return []
        sender = message.get("from") if isinstance(message.get("from"), dict) else {}
        name = " ".join(part for part in (sender.get("first_name"), sender.get("last_name"))
                        if isinstance(part, str) and part) or None
        date = message.get("date")
        return [Inbound(
            channel=gateway.channel, from_address=str(chat_id), to_address=None,
            text=message.get("text") or message.get("caption"),
            provider_message_id=f"{chat_id}:{message.get('message_id')}",
            occurred_at=datetime.fromtimestamp(date, UTC) if isinstance(date, int) else None,
            name=name)]


def _chat_id(to: str) -> int | str:
    """Numeric chat ids go as integers; `@channelusername` as the string."""
    try:
        return int(to)
    except ValueError:
        return to


def _result(response: httpx.Response, chat_id: int | str) -> SendResult:
    body = json_object(response)
    result = body.get("result") if isinstance(body.get("result"), dict) else {}
    if response.status_code == 200 and body.get("ok") is True:
        chat = result.get("chat") if isinstance(result.get("chat"), dict) else {}
        return SendResult(True, provider_message_id=f"{chat.get('id', chat_id)}:"
                                                    f"{result.get('message_id')}")
    code = body.get("error_code")
    if not isinstance(code, int):
        code = response.status_code
    error = f"telegram {code}: {body.get('description', '')}".strip()[:500]
    parameters = body.get("parameters") if isinstance(body.get("parameters"), dict) else {}
    if code == 429 or code >= 500:
        retry_after = parameters.get("retry_after")
        return SendResult(False, failure="transient", error=error,
                          retry_after_seconds=float(retry_after)
                          if isinstance(retry_after, int | float) else None,
                          unconfirmed=response.status_code in UNCONFIRMED_STATUSES)
    return SendResult(False, failure="permanent", error=error)
