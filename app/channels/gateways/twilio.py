"""Twilio Programmable Messaging (SMS): the Messages API and its signed webhooks.

Send: `POST {base}/2010-04-01/Accounts/{AccountSid}/Messages.json`, HTTP Basic auth with
the account SID and auth token, form fields `To`, `From` (or `MessagingServiceSid`), `Body`
and `StatusCallback`. Callbacks (status and inbound) are form posts signed with
`X-Twilio-Signature`: base64 HMAC-SHA1, keyed by the auth token, of the full URL followed by
every POST parameter name and value sorted by name.

Twilio takes no idempotency key for Messages, so a send that timed out (or got a 500/502/504)
may have gone out. Two things keep its retry from sending twice: the StatusCallback URL
carries the Switchboard message id (`?ref=msg_...`, inside the signed URL), so Twilio's
receipts name the message even when the answer with its SID was lost; and before sending
again, `find_sent` lists the Messages to the same number since the unanswered attempt and
offers those with the same body and sender as candidates.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from email.utils import parsedate_to_datetime

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

DEFAULT_BASE_URL = "https://api.twilio.com"
# Twilio MessageStatus → ours. `sending`/`queued`/`accepted` say nothing new after `sent`.
STATUS_MAP = {"sent": "sent", "delivered": "delivered", "read": "read",
              "undelivered": "failed", "failed": "failed"}
# Error codes that no retry can fix (invalid or unreachable number, blocked, opted out).
PERMANENT_HTTP = {400, 401, 403, 404}


def signature(auth_token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's request signature for a URL and its POST parameters."""
    payload = url + "".join(f"{key}{params[key]}" for key in sorted(params))
    digest = hmac.new(auth_token.encode(), payload.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class TwilioAdapter:
    provider = "twilio"
    callback_secrets = ("auth_token",)

    def send(self, outbound: Outbound, gateway: GatewayConfig) -> SendResult:
        """POST the message to Twilio; map the answer to accepted/transient/permanent."""
        creds = gateway.credentials
        account, token = creds.get("account_sid", ""), creds.get("auth_token", "")
        base = (gateway.base_url or DEFAULT_BASE_URL).rstrip("/")
        form = {"To": outbound.to, "Body": outbound.text or ""}
        sender = outbound.from_ or gateway.settings.get("from")
        if gateway.settings.get("messaging_service_sid") and not outbound.from_:
            form["MessagingServiceSid"] = gateway.settings["messaging_service_sid"]
        elif sender:
            form["From"] = sender
        form["StatusCallback"] = f"{_hook_url(gateway.id)}?ref={outbound.message_id}"
        try:
            response = http().post(
                f"{base}/2010-04-01/Accounts/{account}/Messages.json", data=form,
                auth=(account, token), follow_redirects=False,
                timeout=float(current_app.config["GATEWAY_TIMEOUT_SECONDS"]))
        except httpx.HTTPError as exc:
            return transport_failure("twilio", exc)
        return _result(response)

    def parse_callback(self, request, gateway: GatewayConfig) -> list[StatusUpdate | Inbound]:
        """Verify `X-Twilio-Signature` and parse a status callback or an inbound SMS."""
        params = {key: request.form[key] for key in request.form}
        token = gateway.credentials.get("auth_token") or ""
        given = request.headers.get("X-Twilio-Signature", "")
        url = _hook_url(gateway.id)
        if request.query_string:  # Twilio signs the URL as we gave it, query included
            url += "?" + request.query_string.decode("ascii", "replace")
        # No auth token means no callback can be trusted: an empty HMAC key is no key at all.
        if not token or not given or not hmac.compare_digest(
                signature(token, url, params).encode(), given.encode()):
            raise InvalidSignature("X-Twilio-Signature does not match")
        sid = params.get("MessageSid") or params.get("SmsSid")
        status = params.get("MessageStatus") or params.get("SmsStatus")
        if status == "received" or (status is None and "Body" in params):
            if not params.get("From", "").strip():
                return []  # no sender to answer or to file it under
            return [Inbound(channel=gateway.channel, from_address=params.get("From", ""),
                            to_address=params.get("To"), text=params.get("Body"),
                            provider_message_id=sid)]
        mapped = STATUS_MAP.get(status or "")
        if not sid or mapped is None:
            return []
        error = None
        if params.get("ErrorCode"):
            error = f"twilio error {params['ErrorCode']}"
        return [StatusUpdate(sid, mapped, error=error, reference=request.args.get("ref"))]

    def find_sent(self, outbound: Outbound, gateway: GatewayConfig, since: datetime
                  ) -> list[SendResult] | None:
        """Messages Twilio holds to this number since `since` with this body and sender
        (newest first), as accepted results; None when Twilio cannot be asked."""
        creds = gateway.credentials
        account, token = creds.get("account_sid", ""), creds.get("auth_token", "")
        base = (gateway.base_url or DEFAULT_BASE_URL).rstrip("/")
        sender = outbound.from_ or gateway.settings.get("from")
        query = {"To": outbound.to, "PageSize": "50"}
        if sender:
            query["From"] = sender
        try:
            response = http().get(
                f"{base}/2010-04-01/Accounts/{account}/Messages.json", params=query,
                auth=(account, token), follow_redirects=False,
                timeout=float(current_app.config["GATEWAY_TIMEOUT_SECONDS"]))
        except httpx.HTTPError:
            return None
        if response.status_code != 200:
            return None
        listed = json_object(response).get("messages")
        earliest = since - timedelta(minutes=1)  # Twilio's clock against ours
        found = []
        for item in listed if isinstance(listed, list) else []:
            if not isinstance(item, dict) or not item.get("sid"):
                continue
            created = _date(item.get("date_created"))
            if (item.get("body") == (outbound.text or "") and item.get("to") == outbound.to
                    and created is not None and created >= earliest
                    and item.get("direction", "outbound-api").startswith("outbound")):
                found.append(SendResult(True, provider_message_id=item["sid"],
                                        cost_micros=_price(item.get("price"))))
        return found


def _hook_url(gateway_id: str) -> str:
    return current_app.config["APP_PUBLIC_URL"].rstrip("/") + f"/hooks/{gateway_id}"


def _result(response: httpx.Response) -> SendResult:
    body = json_object(response)
    if response.status_code in (200, 201):
        return SendResult(True, provider_message_id=body.get("sid"),
                          cost_micros=_price(body.get("price")))
    error = f"twilio {response.status_code}: {body.get('code')} {body.get('message', '')}"
    retry_after = response.headers.get("Retry-After")
    if response.status_code in PERMANENT_HTTP:
        return SendResult(False, failure="permanent", error=error.strip())
    return SendResult(False, failure="transient", error=error.strip(),
                      retry_after_seconds=float(retry_after) if retry_after and
                      retry_after.isdigit() else None,
                      unconfirmed=response.status_code in UNCONFIRMED_STATUSES)


def _date(raw) -> datetime | None:
    """Twilio's RFC 2822 dates ("Thu, 30 Jul 2015 20:12:31 +0000")."""
    try:
        return parsedate_to_datetime(raw) if isinstance(raw, str) else None
    except (TypeError, ValueError):
        return None


def _price(raw) -> int | None:
    """Twilio reports price as a negative decimal string once known ("-0.00790")."""
    if raw in (None, ""):
        return None
    try:
        return int(abs(Decimal(str(raw))) * 1_000_000)
    except InvalidOperation:
        return None
