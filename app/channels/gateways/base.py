"""What every gateway adapter speaks: plain data in, plain data out, no ORM objects.

An adapter builds the provider's real request from an `Outbound`, maps the provider's
answer to a `SendResult` (accepted, or a `transient` / `permanent` failure), and turns the
provider's callbacks into `StatusUpdate`s and `Inbound` messages after checking the
provider's own signature scheme.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import httpx


@dataclass(frozen=True)
class GatewayConfig:
    """A gateway row as an adapter needs it, with credentials decrypted."""

    id: str
    provider: str
    channel: str
    environment: str
    base_url: str | None
    credentials: dict
    settings: dict


@dataclass(frozen=True)
class Outbound:
    """One send attempt of one message."""

    message_id: str  # also the provider-side idempotency token where one is supported
    channel: str
    to: str
    from_: str | None
    text: str | None
    subject: str | None
    html: str | None
    title: str | None
    template: str | None
    language: str | None
    variables: dict
    attempt: int  # 0 for the first attempt


@dataclass(frozen=True)
class StatusUpdate:
    """A provider's report about a message it accepted earlier."""

    provider_message_id: str
    status: str  # sent | delivered | read | failed | bounced | soft_bounced | not_capable
    occurred_at: datetime | None = None
    error: str | None = None
    cost_micros: int | None = None
    # The Switchboard message id, where the provider echoes the reference we sent with it
    # (Twilio's StatusCallback, WhatsApp's biz_opaque_callback_data, an email's Message-ID):
    # it finds the message even when the answer that carried the provider's id was lost.
    reference: str | None = None


@dataclass(frozen=True)
class Inbound:
    """A message a contact sent to the partner."""

    channel: str
    from_address: str
    to_address: str | None
    text: str | None
    provider_message_id: str | None
    occurred_at: datetime | None = None
    name: str | None = None


@dataclass(frozen=True)
class ScheduledCallback:
    """A callback the sandbox simulator will play back `after_seconds` from now."""

    after_seconds: float
    item: StatusUpdate | Inbound


@dataclass(frozen=True)
class SendResult:
    accepted: bool
    provider_message_id: str | None = None
    failure: str | None = None  # "transient" | "permanent" | "not_capable"
    error: str | None = None
    cost_micros: int | None = None
    retry_after_seconds: float | None = None
    # The request may have reached the provider without an answer (a timeout after it was
    # sent, a dropped connection, a 500/502/504 from a provider with no idempotency key):
    # the next attempt first checks whether the message went out.
    unconfirmed: bool = False
    # Only the sandbox fills this: the receipts and replies it will send later.
    scheduled: list[ScheduledCallback] = field(default_factory=list)


def json_object(response) -> dict:
    """A provider answer's JSON object, or {} when the body is not one (HTML error pages)."""
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


# Answers after which a provider may or may not have carried out a request (Twilio says so
# of its 500s; 502/504 come from a proxy that lost the provider's answer).
UNCONFIRMED_STATUSES = frozenset({500, 502, 504})


def transport_failure(name: str, exc: httpx.HTTPError, error: str | None = None) -> SendResult:
    """A transient failure for an HTTP call that broke; unconfirmed unless it never left.

    A refused or timed-out connection never carried the request; a timeout or a dropped
    connection after that may have, so the provider may have the message.
    """
    never_sent = isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout | httpx.PoolTimeout)
    return SendResult(False, failure="transient",
                      error=error or f"{name} unreachable: {type(exc).__name__}: {exc}",
                      unconfirmed=not never_sent)


class InvalidSignature(Exception):
    """A callback whose signature does not verify: answered 401, nothing written."""


class Adapter(Protocol):
    provider: str
    # Credentials that authenticate the provider's callbacks: a gateway cannot be added or
    # enabled while one is missing or empty, and callbacks are refused without them.
    callback_secrets: tuple[str, ...]

    def send(self, outbound: Outbound, gateway: GatewayConfig) -> SendResult:
        """Send one message; never raises for provider or network failures."""

    def parse_callback(self, request, gateway: GatewayConfig) -> list[StatusUpdate | Inbound]:
        """Verify and parse a provider callback; raises InvalidSignature."""


@functools.cache
def tls_context() -> ssl.SSLContext:
    """One verifying TLS context per process: building one reads the whole CA bundle, which
    cost ~17 ms on every provider call and every webhook delivery."""
    return httpx.create_ssl_context()


def http() -> httpx.Client:
    """The process's HTTP client for provider calls: kept-alive connections, one TLS context.

    One per process id, so a worker forked after first use never shares sockets with its
    parent."""
    return _client(os.getpid())


@functools.cache
def _client(_pid: int) -> httpx.Client:
    logging.getLogger("httpx").addFilter(REDACT_URL_SECRETS)
    return httpx.Client(verify=tls_context())


class _RedactUrlSecrets(logging.Filter):
    """httpx logs every request's URL (INFO); Telegram's carries the bot token in its path."""

    PATTERN = re.compile(r"/bot\d+:[A-Za-z0-9_-]+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.PATTERN.sub("/bot***", message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True


REDACT_URL_SECRETS = _RedactUrlSecrets()
