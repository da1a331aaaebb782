"""One webhook HTTP attempt: the envelope, its Standard Webhooks signature, the POST.

No database work here: `webhook_delivery` claims the delivery, hands over what to send and
records the `Outcome`. The URL is checked against the SSRF rules right before the request
and the connection goes to the address that was checked (`ssrf.pinned`). Redirects are
never followed; only a 2xx answer is a success.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from flask import current_app
from standardwebhooks.webhooks import Webhook

from app.channels.gateways.base import tls_context
from app.models import Event
from app.models.base import isoformat
from app.services.webhooks import ssrf

USER_AGENT = "Switchboard-Webhooks/1.0 (+https://docs.switchboard.example/webhooks)"
EXCERPT_BYTES = 1024
MAX_CLIENTS = 64  # kept-alive clients per process, one per webhook host


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
    try:
        return _run_to_completion(functools.partial(
            _exchange, request_url, payload, headers, extensions, deadline, started,
            target.host))
    except (TimeoutError, httpx.TimeoutException):
        return Outcome(None, _ms(started), None, f"timed out after {deadline:g} s")
    except httpx.HTTPError as exc:
        return Outcome(None, _ms(started), None, f"{type(exc).__name__}: {exc}"[:500])


def _run_to_completion(make_coroutine):
    """Run a coroutine to its end from synchronous code, also when a loop already runs here.

    The process's own loop (and the kept-alive clients bound to it) serves every attempt;
    a fresh loop and client per attempt cost a new connection and ~20 ms of set-up each.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return _loop(os.getpid()).run_until_complete(make_coroutine(_client))
    # Inside a running loop (a test driver's, say): a thread's own loop and a one-off client.
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(lambda: asyncio.run(_one_off(make_coroutine))).result()


@functools.cache
def _loop(_pid: int) -> asyncio.AbstractEventLoop:
    """One event loop per process id (a forked worker never drives its parent's sockets)."""
    return asyncio.new_event_loop()


@functools.cache
def _clients(_pid: int) -> OrderedDict[str, httpx.AsyncClient]:
    return OrderedDict()


def _client(host: str) -> httpx.AsyncClient:
    """The process's kept-alive client for one webhook host, the least recently used of
    `MAX_CLIENTS` closed beyond that.

    One per host, not one for all: the connection goes to a checked address named in the
    URL (`ssrf.pinned`), and a pool keyed by address alone could reuse a connection opened
    with another host's TLS server name.
    """
    clients = _clients(os.getpid())
    client = clients.pop(host, None) or _new_client()
    clients[host] = client
    while len(clients) > MAX_CLIENTS:
        _, oldest = clients.popitem(last=False)
        _loop(os.getpid()).create_task(oldest.aclose())
    return client


def _new_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(follow_redirects=False, trust_env=False, verify=tls_context(),
                             limits=httpx.Limits(max_connections=4,
                                                 max_keepalive_connections=2))


async def _one_off(make_coroutine):
    async with _new_client() as client:
        return await make_coroutine(lambda _host: client)


async def _exchange(request_url, payload: str, headers: dict, extensions: dict,
                    deadline: float, started: float, host: str, client_for) -> Outcome:
    """The POST and the first KB of its answer, cancelled as a whole at the deadline."""
    client = client_for(host)
    async with asyncio.timeout(deadline), client.stream(
            "POST", request_url, content=payload.encode("ascii"), headers=headers,
            extensions=extensions, timeout=deadline) as response:
        latency = _ms(started)
        excerpt = await _excerpt(response)
    code = response.status_code
    error = None
    if 300 <= code < 400:
        location = response.headers.get("location", "")[:200]
        error = f"HTTP {code}: redirects are not followed (to {location or 'nowhere'})"
    elif not 200 <= code < 300:
        error = f"HTTP {code}"
    return Outcome(code, latency, excerpt, error,
                   retry_after(response.headers.get("retry-after")))


def _ms(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


async def _excerpt(response: httpx.Response) -> str | None:
    """The first KB of the answer, read no further than that."""
    raw = b""
    try:
        async for chunk in response.aiter_bytes():
            raw += chunk
            if len(raw) >= EXCERPT_BYTES:
                break
    except httpx.HTTPError:
        pass  # the status is what counts; a body cut short is still an excerpt
    return raw[:EXCERPT_BYTES].decode("utf-8", "ignore") or None


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
