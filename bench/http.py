"""The HTTP figures: load from this process's threads against gunicorn (production settings)
serving the app in another process, on loopback. Every figure is a ratio to `/ping` served
by the same gunicorn in the same run.

- send_efficiency: `POST /api/v1/messages` requests/s (a new Idempotency-Key each) ÷ `/ping`
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
        return sum(self.statuses.values()) / self.seconds

    def p(self, quantile: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(quantile * len(ordered)))] if ordered else 0.0


def load(base: str, make_request, clients: int, seconds: float) -> Load:
    """`clients` threads, each with a kept-alive connection, calling for `seconds`."""
    result = Load(seconds)
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def run() -> None:
        with httpx.Client(base_url=base, timeout=30) as client:
            while time.perf_counter() < stop:
                started = time.perf_counter()
                response = make_request(client)
                took = time.perf_counter() - started
                with lock:
                    result.statuses[response.status_code] += 1
                    result.latencies.append(took)

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
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


def run(app, env: dict, partner_id: str, key: str, seconds: float) -> dict:
    """The HTTP figures (see the module docstring)."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Message, WalletTransaction

    server = Gunicorn(env)
    try:
        auth = {"Authorization": f"Bearer {key}"}
        load(server.base, lambda c: c.get("/ping"), 8, min(seconds, 2))  # warm-up
        ping = load(server.base, lambda c: c.get("/ping"), 8, seconds)

        def send(client):
            return client.post("/api/v1/messages", headers={
                **auth, "Idempotency-Key": uuid.uuid4().hex},
                json={"channel": "sms", "to": "+15005550006", "text": "benchmark"})

        sends = load(server.base, send, 16, seconds)
        peak_rss = rss_mb(server.process.pid)
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
    accepted = sends.statuses[202]
    return {
        "ping_rps": ping.rps, "send_rps": sends.rps,
        "send_efficiency": sends.rps / ping.rps,
        "send_p99_ms": sends.p(0.99) * 1000, "ping_p99_ms": ping.p(0.99) * 1000,
        "correctness_5xx": sum(n for code, n in sends.statuses.items() if code >= 500),
        "correctness_debits_per_202": debits / accepted if accepted else 0.0,
        "correctness_messages_per_key": per_key,
        "web_worker_rss_mb": peak_rss, **batched,
    }
