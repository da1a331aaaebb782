"""One webhook HTTP attempt: the envelope, its Standard Webhooks signature, the POST.

No database work here: `webhook_delivery` claims the delivery, hands over what to send and
records the `Outcome`. The URL is checked against the SSRF rules right before the request
and the connection goes to the address that was checked (`ssrf.pinned`). Redirects are
never followed; only a 2xx answer is a success.

The POST is plain blocking HTTP/1.1 (httpcore's connection pool, kept alive per host):
httpx's async client driven by an event loop per attempt cost the worker three times the
CPU. Every wait of the exchange (connect, TLS, each write and read) is bounded by what is
left of the attempt's deadline, so the deadline holds for the exchange as a whole.
"""

from __future__ import annotations

import functools
import json
import os
import threading
import time
from collections import OrderedDict
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpcore
from flask import current_app
from standardwebhooks.webhooks import Webhook

from app.channels.gateways.base import tls_context
from app.models import Event
from app.models.base import isoformat
from app.services.webhooks import ssrf

USER_AGENT = "Switchboard-Webhooks/1.0 (+https://docs.switchboard.example/webhooks)"
EXCERPT_BYTES = 1024
MAX_CLIENTS = 64  # kept-alive connection pools per process, one per webhook host
# What ends an exchange without an answer (httpcore's errors have no common base).
FAILURES = (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol)
# When the attempt in progress (on this thread) must end, by time.monotonic().
_until: ContextVar[float | None] = ContextVar("webhook_attempt_until", default=None)


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: int | None
    excerpt: str | None
    error: str | None
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def envelope(event: Event) -> dict:
    """The webhook payload (docs/webhooks.md, "What a delivery looks like"): exactly these
    five members."""
    return {"id": event.id, "type": event.type, "created_at": isoformat(event.created_at),
            "environment": event.environment, "data": event.data}


def body(event: Event) -> str:
    """The serialised envelope (ASCII JSON), the same bytes on every attempt."""
    return json.dumps(envelope(event), separators=(",", ":"))


def signed_headers(message_id: str, payload: str, secrets: list[str],
                   now: datetime | None = None) -> dict[str, str]:
    """Standard Webhooks headers: one `v1,` signature per secret, space-separated."""
    now = now or datetime.now(UTC)
    signatures = " ".join(Webhook(secret).sign(message_id, now, payload) for secret in secrets)
    return {"webhook-id": message_id, "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signatures, "content-type": "application/json",
            "user-agent": USER_AGENT}


def post(url: str, message_id: str, payload: str, secrets: list[str],
         deadline: float | None = None) -> Outcome:
    """Check the URL, then POST the signed payload to the checked address.

    `deadline` (seconds; WEBHOOK_TIMEOUT_SECONDS by default) bounds the whole exchange by
    the wall clock: connecting, sending, the status line and headers, and the excerpt. A
    per-read timeout alone lets a receiver that trickles a byte at a time hold the attempt
    for as long as it likes.
    """
    try:
        target = ssrf.check_url(url)
    except ssrf.UnsafeUrl as exc:
        current_app.logger.warning("webhook %s refused: %s", message_id, exc.reason)
        return Outcome(None, None, None, f"refused: the URL {exc}")
    request_url, host_header, extensions = ssrf.pinned(target)
    headers = signed_headers(message_id, payload, secrets) | host_header
    if deadline is None:
        deadline = float(current_app.config["WEBHOOK_TIMEOUT_SECONDS"])
    started = time.perf_counter()
    token = _until.set(time.monotonic() + deadline)
    try:
        return _exchange(str(request_url), payload.encode("ascii"), headers,
                         {**extensions, "timeout": dict.fromkeys(
                             ("connect", "read", "write", "pool"), deadline)},
                         started, target.host)
    except httpcore.TimeoutException:
        return Outcome(None, _ms(started), None, f"timed out after {deadline:g} s")
    except FAILURES as exc:
        return Outcome(None, _ms(started), None, f"{type(exc).__name__}: {exc}"[:500])
    finally:
        _until.reset(token)


def _exchange(request_url: str, body: bytes, headers: dict, extensions: dict,
              started: float, host: str) -> Outcome:
    """The POST and the first KB of its answer."""
    with _pool(host).stream("POST", request_url, headers=[
            *headers.items(), ("content-length", str(len(body)))], content=body,
            extensions=extensions) as response:
        latency = _ms(started)
        excerpt = _excerpt(response)
    code = response.status
    error = None
    if 300 <= code < 400:
        location = _header(response, b"location")[:200]
        error = f"HTTP {code}: redirects are not followed (to {location or 'nowhere'})"
    elif not 200 <= code < 300:
        error = f"HTTP {code}"
    return Outcome(code, latency, excerpt, error,
                   retry_after(_header(response, b"retry-after") or None))


def _header(response: httpcore.Response, name: bytes) -> str:
    for key, value in response.headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return ""


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def _excerpt(response: httpcore.Response) -> str | None:
    """The first KB of the answer, read no further than that (a read past the deadline
    ends the attempt as timed out)."""
    raw = b""
    try:
        for chunk in response.iter_stream():
            raw += chunk
            if len(raw) >= EXCERPT_BYTES:
                break
    except FAILURES:
        pass  # the status is what counts; a body cut short is still an excerpt
    return raw[:EXCERPT_BYTES].decode("utf-8", "ignore") or None


_pools_lock = threading.Lock()


@functools.cache
def _pools(_pid: int) -> OrderedDict[str, httpcore.ConnectionPool]:
    """One set per process id (a forked worker never drives its parent's sockets)."""
    return OrderedDict()


def _pool(host: str) -> httpcore.ConnectionPool:
    """The process's kept-alive connection pool for one webhook host, the least recently
    used of `MAX_CLIENTS` closed beyond that.

    One per host, not one for all: the connection goes to a checked address named in the
    URL (`ssrf.pinned`), and a pool keyed by address alone could reuse a connection opened
    with another host's TLS server name.
    """
    with _pools_lock:
        pools = _pools(os.getpid())
        pool = pools.pop(host, None) or httpcore.ConnectionPool(
            ssl_context=tls_context(), max_connections=4, max_keepalive_connections=2,
            network_backend=_Bounded())
        pools[host] = pool
        oldest = pools.popitem(last=False)[1] if len(pools) > MAX_CLIENTS else None
    if oldest is not None:
        oldest.close()
    return pool


def _left(timeout: float | None, expired: type[Exception]) -> float | None:
    """`timeout`, cut to what is left of the attempt's deadline; `expired` when none is."""
    until = _until.get()
    if until is None:
        return timeout
    left = until - time.monotonic()
    if left <= 0:
        raise expired("the attempt's deadline has passed")
    return left if timeout is None else min(timeout, left)


class _BoundedStream(httpcore.NetworkStream):
    """A connection whose every wait ends by the attempt's deadline."""

    def __init__(self, stream: httpcore.NetworkStream):
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._stream.read(max_bytes, _left(timeout, httpcore.ReadTimeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._stream.write(buffer, _left(timeout, httpcore.WriteTimeout))

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context, server_hostname=None, timeout=None):
        return _BoundedStream(self._stream.start_tls(
            ssl_context, server_hostname, _left(timeout, httpcore.ConnectTimeout)))

    def get_extra_info(self, info: str):
        return self._stream.get_extra_info(info)


class _Bounded(httpcore.NetworkBackend):
    """httpcore's blocking sockets, each wait bounded by the attempt's deadline."""

    def __init__(self):
        self._backend = httpcore.SyncBackend()

    def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):
        return _BoundedStream(self._backend.connect_tcp(
            host, port, _left(timeout, httpcore.ConnectTimeout), local_address,
            socket_options))

    def connect_unix_socket(self, path, timeout=None, socket_options=None):
        raise httpcore.UnsupportedProtocol("webhooks go over TCP")

    def sleep(self, seconds: float) -> None:
        self._backend.sleep(seconds)


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a `Retry-After` header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
