"""The HTTP figures: load from this process's threads against gunicorn (production settings)
serving the app in another process, on loopback. Every figure is a ratio to `/ping` served
by the same gunicorn in the same run.

- send_efficiency: `POST /api/v1/messages` requests/s (a new Idempotency-Key each) ÷ `/ping`
- send_tail: send p99 ÷ `/ping` p99, both at a fixed rate of 60% of send's peak (open loop:
  latency counts from when a request was due, so a stall is not hidden by sending less)
- pipeline_guards: send requests/s ÷ send requests/s of a second gunicorn with the rate
  limit and idempotency switched off (RATE_LIMIT_ENABLED / IDEMPOTENCY_ENABLED), the two
  loaded in turns
- correctness_5xx: 5xx answers during the send load (16 clients)
- correctness_debits_per_202: wallet debits written ÷ 202 answers
- correctness_messages_per_key: messages written for one Idempotency-Key sent 16 times at once
- web_worker_rss_mb: the peak resident memory of a gunicorn worker during the load
- bulk_send and the batch correctness counts: bench/batch.py, on the same gunicorn
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Load:
    """What a load run saw."""

    seconds: float
    statuses: Counter = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)

    @property
    def rps(self) -> float:
        """Answers per second that did what was asked (2xx): a 429 is not throughput."""
        return sum(n for code, n in self.statuses.items() if 200 <= code < 300) / self.seconds

    def p(self, quantile: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))] if ordered else 0.0


def load(base: str, make_request, clients: int, seconds: float) -> Load:
    """`clients` threads, each with a kept-alive connection, calling for `seconds`."""
    result = Load(seconds)
    stop = [0.0]

    def begin() -> None:
        stop[0] = time.perf_counter() + seconds

    def next_due() -> float | None:
        now = time.perf_counter()
        return now if now < stop[0] else None

    _run_clients(base, make_request, clients, begin, next_due, result)
    return result


def _run_clients(base: str, make_request, clients: int, begin, next_due,
                 result: Load) -> None:
    """Threads that each take the next due time (None: stop), wait for it, call, record
    the latency from it. The clock starts (`begin`) once every client is built: building
    one (its TLS context) takes long enough on a busy machine to eat a short load."""
    lock = threading.Lock()
    ready = threading.Barrier(clients + 1)
    go = threading.Event()

    def run() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            ready.wait()
            go.wait()
            while True:
                with lock:
                    due = next_due()
                if due is None:
                    return
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                response = make_request(client)
                took = time.perf_counter() - due
                with lock:
                    result.statuses[response.status_code] += 1
                    result.latencies.append(took)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    begin()
    go.set()
    for thread in threads:
        thread.join()


def load_at_rate(base: str, make_request, rate: float, seconds: float,
                 clients: int = 16) -> Load:
    """`rate` requests/s for `seconds`, whatever the answers' speed (an open loop).

    Each request has its due time; a latency counts from it, not from when a client got
    round to sending, so a slow answer delays the next ones and shows in the tail.
    """
    result = Load(seconds)
    rate = max(rate, 1 / seconds)  # at least one request
    slots = iter(range(max(1, int(rate * seconds))))
    start = [0.0]

    def begin() -> None:
        start[0] = time.perf_counter()

    def next_due() -> float | None:
        slot = next(slots, None)
        return None if slot is None else start[0] + slot / rate

    _run_clients(base, make_request, clients, begin, next_due, result)
    return result


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (gunicorn's workers), largest one."""
    import psutil

    try:
        parent = psutil.Process(pid)
        return max(p.memory_info().rss for p in [parent, *parent.children(recursive=True)]) / 2**20
    except psutil.Error:
        return 0.0


class Gunicorn:
    """gunicorn serving wsgi:app with the given environment, on a free loopback port."""

    def __init__(self, env: dict, workers: int = 2):
        from tests.helpers import free_port

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--workers", str(workers), "--bind",
             f"127.0.0.1:{self.port}", "--log-level", "warning", "wsgi:app"],
            cwd=ROOT, env={**os.environ, **env})
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(self.base + "/ping", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(30)


def _send_request(key: str, to: str = "+15005550006"):
    auth = {"Authorization": f"Bearer {key}"}

    def send(client):
        return client.post("/api/v1/messages", headers={
            **auth, "Idempotency-Key": uuid.uuid4().hex},
            json={"channel": "sms", "to": to, "text": "benchmark"})

    return send


def run(app, env: dict, partner_id: str, key: str, seconds: float) -> dict:
    """The HTTP figures (see the module docstring)."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Message, WalletTransaction

    server = Gunicorn(env)
    unguarded_server = Gunicorn({**env, "RATE_LIMIT_ENABLED": "0", "IDEMPOTENCY_ENABLED": "0"})
    try:
        auth = {"Authorization": f"Bearer {key}"}
        load(server.base, lambda c: c.get("/ping"), 8, min(seconds, 2))  # warm-up
        ping = load(server.base, lambda c: c.get("/ping"), 8, seconds)

        send, bare = _send_request(key), _send_request(key, to="+15005550008")
        # Warm-up: a worker's first sends pay for imports, connections and compiled queries.
        warm = [load(server.base, send, 16, min(seconds, 1)),
                load(unguarded_server.base, bare, 16, min(seconds, 1))]
        sends, unguarded = _alternating([(server.base, send), (unguarded_server.base, bare)],
                                        seconds)
        peak_rss = rss_mb(server.process.pid)
        steady = 0.6 * sends.rps
        ping_steady = load_at_rate(server.base, lambda c: c.get("/ping"), steady, seconds)
        send_steady = load_at_rate(server.base, send, steady, seconds)
        with app.app_context():
            debits = db.session.scalar(select(func.count(WalletTransaction.id)).where(
                WalletTransaction.partner_id == partner_id, WalletTransaction.type == "debit"))
            db.session.remove()
        same_key = uuid.uuid4().hex

        def repeat(client):
            return client.post("/api/v1/messages", headers={**auth, "Idempotency-Key": same_key},
                               json={"channel": "sms", "to": "+15005550007", "text": "once"})

        load(server.base, repeat, 16, 1)
        with app.app_context():
            per_key = db.session.scalar(select(func.count(Message.id)).where(
                Message.to_address == "+15005550007"))
            db.session.remove()
        from bench import batch

        batched = batch.run(app, server.base, auth, partner_id, seconds, sends.rps)
        peak_rss = max(peak_rss, rss_mb(server.process.pid))
    finally:
        server.stop()
        unguarded_server.stop()
    counted = (*warm, sends, unguarded, send_steady)
    accepted = sum(load_.statuses[202] for load_ in counted)
    return {
        "ping_rps": ping.rps, "send_rps": sends.rps,
        "send_efficiency": sends.rps / ping.rps,
        "send_p99_ms": sends.p(0.99) * 1000, "ping_p99_ms": ping.p(0.99) * 1000,
        "steady_rps": steady, "steady_send_p99_ms": send_steady.p(0.99) * 1000,
        "steady_ping_p99_ms": ping_steady.p(0.99) * 1000,
        "send_tail": send_steady.p(0.99) / max(ping_steady.p(0.99), 1e-6),
        "unguarded_send_rps": unguarded.rps,
        "pipeline_guards": sends.rps / unguarded.rps if unguarded.rps else 0.0,
        "correctness_5xx": sum(n for load_ in counted
                               for code, n in load_.statuses.items() if code >= 500),
        "correctness_debits_per_202": debits / accepted if accepted else 0.0,
        "correctness_messages_per_key": per_key,
        "web_worker_rss_mb": peak_rss, **batched,
    }


def _alternating(targets: list[tuple[str, object]], seconds: float,
                 turns: int = 4) -> list[Load]:
    """`seconds` of load on each (server, request) target, in turns, so that the machine's
    own ups and downs (other processes) fall on every target alike."""
    results = [Load(seconds) for _ in targets]
    for _ in range(turns):
        for (base, make_request), result in zip(targets, results, strict=True):
            part = load(base, make_request, 16, seconds / turns)
            result.statuses.update(part.statuses)
            result.latencies += part.latencies
    return results
