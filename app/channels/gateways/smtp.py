"""Email over SMTP: STARTTLS, AUTH, one MIME message per attempt, and a signed bounce hook.

Send: connect to `base_url` (`smtp://host[:port]`, port 587 by default), `EHLO`,
`STARTTLS` (certificate verified against the system's CAs or the `ca_file` setting), `EHLO`
again, `AUTH` with the `username` / `password` credentials, then one message whose
`Message-ID` is derived from the Switchboard message id — a retry sends the same
Message-ID, so receivers and relays can drop the duplicate, and bounces name it. Reply
codes decide the outcome: 4xx and broken connections are transient, 5xx permanent.

Email has no standard HTTP callback, so bounces and delivery notices come from the relay or
MTA as JSON posted to `/hooks/<gateway_id>`, signed like Switchboard's other hooks (see
`webchat`): `X-Switchboard-Timestamp: <Unix seconds>` and `X-Switchboard-Signature:
sha256=<hex HMAC-SHA256(webhook_secret, "<timestamp>." + raw body)>`, with a body
`{"message_id": "<Message-ID>", "type": "bounce" | "soft_bounce" | "delivered",
"diagnostic": "..."}` (or a JSON array of such objects).
"""

from __future__ import annotations

import smtplib
import ssl
from email.errors import HeaderParseError
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from urllib.parse import urlsplit

from flask import current_app

from app.channels.gateways.base import GatewayConfig, Outbound, SendResult, StatusUpdate
from app.channels.gateways.webchat import json_items, verify_signature
from app.errors import ApiError

DEFAULT_PORT = 587
# Hook `type` → our status; a soft bounce counts against the message's retry budget.
STATUS_MAP = {"bounce": "bounced", "soft_bounce": "soft_bounced", "delivered": "delivered"}


def message_id_header(message_id: str, domain: str) -> str:
    """The RFC 5322 Message-ID of a Switchboard message: the same on every attempt."""
    return f"<{message_id}@{domain}>"


def _flag(value, default: bool) -> bool:
    """A boolean setting, given as JSON true/false or as a CLI string ("false", "0", ...)."""
    if value is None:
        return default
    if isinstance(value, str):
        return value.strip().lower() not in ("false", "0", "no", "off", "")
    return bool(value)


class SmtpAdapter:
    provider = "smtp"
    callback_secrets = ("webhook_secret",)

    def send(self, outbound: Outbound, gateway: GatewayConfig) -> SendResult:
        """Hand the message to the SMTP server; map its reply codes to the outcome."""
        settings = gateway.settings
        target = urlsplit(gateway.base_url or "")
        if target.scheme != "smtp" or not target.hostname:
            return SendResult(False, failure="permanent",
                              error="smtp gateway misconfigured: base_url must be smtp://host:port")
        sender = _sender(outbound.from_, settings.get("from") or "")
        # Bounces go to the gateway's own address whatever the From header says.
        envelope_from = parseaddr(settings.get("from") or "")[1] or (sender and sender.addr_spec)
        if sender is None or not envelope_from or "@" not in envelope_from:
            return SendResult(False, failure="permanent",
                              error="smtp: no valid sender; set the gateway's `from` setting "
                                    "or send with `from` as an email address")
        domain = settings.get("message_id_domain") or envelope_from.rpartition("@")[2]
        message_id = message_id_header(outbound.message_id, domain)
        mime = _mime(outbound, sender, message_id)
        stages: list[str] = []
        try:
            self._deliver(target.hostname, target.port or DEFAULT_PORT, gateway, envelope_from,
                          outbound.to, mime, stages)
        except smtplib.SMTPRecipientsRefused as exc:
            code, text = next(iter(exc.recipients.values()), (None, b""))
            return _refused(code, text)
        except smtplib.SMTPAuthenticationError as exc:
            return SendResult(False, failure="permanent",
                              error=f"smtp authentication failed: {exc.smtp_code}")
        except smtplib.SMTPResponseException as exc:
            return _refused(exc.smtp_code, exc.smtp_error)
        except smtplib.SMTPNotSupportedError as exc:
            return SendResult(False, failure="transient", error=f"smtp: {exc}")
        except (smtplib.SMTPException, OSError) as exc:  # OSError covers TLS and timeouts
            # Broken while the message was being handed over: the server may have it.
            return SendResult(False, failure="transient",
                              error=f"smtp unreachable: {type(exc).__name__}: {exc}",
                              unconfirmed="message" in stages)
        return SendResult(True, provider_message_id=message_id)

    def _deliver(self, host: str, port: int, gateway: GatewayConfig, envelope_from: str,
                 to: str, mime: EmailMessage, stages: list[str]) -> None:
        settings, creds = gateway.settings, gateway.credentials
        timeout = float(current_app.config["GATEWAY_TIMEOUT_SECONDS"])
        smtp = smtplib.SMTP(host, port, timeout=timeout)
        try:
            smtp.ehlo()
            if _flag(settings.get("starttls"), True):
                # Refuses to go on in clear when the server offers no STARTTLS.
                smtp.starttls(context=_tls_context(settings))
                smtp.ehlo()
            if creds.get("username"):
                smtp.login(creds["username"], creds.get("password", ""))
            stages.append("message")
            smtp.send_message(mime, from_addr=envelope_from, to_addrs=[to])
        finally:
            # The server has the message once DATA is answered 250; a failing QUIT changes
            # nothing about that, so it must not turn into a retry (a duplicate email).
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def parse_callback(self, request, gateway: GatewayConfig) -> list[StatusUpdate]:
        """Verify `X-Switchboard-Signature` and parse bounce / delivery notices."""
        body = request.get_data()
        verify_signature(gateway.credentials.get("webhook_secret"), body, request.headers)
        updates = []
        for item in json_items(body):
            kind, raw_id = item.get("type"), item.get("message_id")
            known = isinstance(kind, str) and kind in STATUS_MAP  # any JSON value may come
            if not known or not isinstance(raw_id, str) or not raw_id.strip():
                raise ApiError("invalid_field", "Each notice needs `message_id` (the email's "
                               "Message-ID) and `type`: bounce, soft_bounce or delivered.",
                               param="message_id" if known else "type")
            diagnostic = item.get("diagnostic")
            updates.append(StatusUpdate(
                _bracketed(raw_id), STATUS_MAP[kind],
                error=str(diagnostic)[:500] if diagnostic and kind != "delivered" else None,
                reference=reference_of(_bracketed(raw_id))))
        return updates


def _sender(given: str | None, gateway_from: str) -> Address | None:
    """The From header: the message's `from` when it is an address, else its text as the
    display name of the gateway's address; the gateway's own `from` when none is given."""
    gateway_name, gateway_address = parseaddr(gateway_from)
    given_name, given_address = parseaddr(given or "")
    if given and "@" in given_address:
        name, address = given_name, given_address
    elif given:
        name, address = given, gateway_address
    else:
        name, address = gateway_name, gateway_address
    if "@" not in address:
        return None
    try:
        return Address(display_name=name, addr_spec=address)
    except (ValueError, HeaderParseError):
        return None


def _mime(outbound: Outbound, sender: Address, message_id: str) -> EmailMessage:
    mime = EmailMessage()
    mime["From"] = sender
    mime["To"] = outbound.to
    mime["Subject"] = outbound.subject or ""
    mime["Date"] = formatdate(usegmt=True)
    mime["Message-ID"] = message_id
    if outbound.text is not None:
        mime.set_content(outbound.text)
        if outbound.html is not None:
            mime.add_alternative(outbound.html, subtype="html")
    else:
        mime.set_content(outbound.html or "", subtype="html")
    return mime


def _tls_context(settings: dict) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=settings.get("ca_file") or None)
    if not _flag(settings.get("tls_verify"), True):  # development relays only; documented
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def _refused(code: int | None, text) -> SendResult:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    error = f"smtp {code}: {text}".strip()[:500]
    if code is not None and 400 <= code < 500:
        return SendResult(False, failure="transient", error=error)
    if code is not None and code >= 500:
        return SendResult(False, failure="permanent", error=error)
    return SendResult(False, failure="transient", error=error)


def reference_of(message_id_header: str) -> str | None:
    """The Switchboard message id inside a Message-ID we made (`<msg_...@domain>`)."""
    local = message_id_header.strip("<>").partition("@")[0]
    return local if local.startswith("msg_") else None


def _bracketed(message_id: str) -> str:
    """Message-IDs are stored with their angle brackets; relays often strip them."""
    value = message_id.strip()
    return value if value.startswith("<") else f"<{value}>"
