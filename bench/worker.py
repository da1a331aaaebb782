"""worker_dispatch: messages/s from `queued` to `delivered` by the production worker, as a
ratio of the no-op jobs/s RQ's SimpleWorker drains from the same Redis.

Each message plays its whole sandbox lifecycle: the send, the provider's receipt, and the
dispatch of `message.sent` and `message.delivered` to a webhook endpoint on loopback (signed
deliveries to bench.fanout's receiver, in its own process and kept alive). The worker runs
one process per core (`--processes`), listening rather than in burst mode (a burst worker
that finds the queues empty at its start quits, so a second process never joined in), and
the clock starts when the first has registered with RQ, as bench.fanout's starts when its
worker listens; the rate with the start-up timed too (the definition before 2026-12-03) is
reported beside it.
Run: `python -m bench.worker [--messages N] [--processes N]`.
"""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from flask_migrate import upgrade
from rq import SimpleWorker
from sqlalchemy import func, select

from bench import fanout
from bench.http import rss_mb

ROOT = Path(__file__).resolve().parents[1]


def settings() -> dict[str, str]:
    """The environment of the benchmark's app and worker processes."""
    env = {"SWITCHBOARD_ENV": "production", "SECRET_KEY": "b" * 40, "KEY_PEPPER": "p" * 40,
           "SANDBOX_RECEIPT_DELAY": "0", "WEBHOOK_ALLOW_HTTP": "1",
           "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8", "WEBHOOK_ALLOWED_PORTS": "*",
           "GATEWAY_CREDENTIALS_KEY": secrets.token_urlsafe(32),
           # All load comes from one client, 127.0.0.1: no limit may turn it away.
           "RATE_LIMIT_SANDBOX": "100000000", "IP_RATE_LIMIT": "100000000",
           # Messages other benchmarks left queued stay out of this one's way.
           "STALE_QUEUED_SECONDS": "3600"}
    env.setdefault("INSTANCE_PATH", os.environ.get("INSTANCE_PATH")
                   or tempfile.mkdtemp(prefix="switchboard-bench-"))
    for name in ("DATABASE_URL", "REDIS_URL"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    return env


def noop_rate(app, jobs: int) -> float:
    """No-op jobs per second drained by RQ's SimpleWorker (burst) on the app's Redis."""
    from app.extensions import redis_connection
    from app.services.queue import get_queue

    with app.app_context():
        queue = get_queue("default")
        queue.empty()
        with redis_connection.client.pipeline() as pipe:
            for _ in range(jobs):
                queue.enqueue("bench.noop.noop", pipeline=pipe)
            pipe.execute()
        worker = SimpleWorker([queue], connection=redis_connection.client)
        started = time.perf_counter()
        worker.work(burst=True, logging_level="WARNING")
        return jobs / (time.perf_counter() - started)


def dispatch_rate(app, messages: int, processes: int, env: dict) -> dict:
    """Messages/s from queued to delivered, webhooks included, by `flask worker --processes
    N` (listening, stopped once all is delivered): timed from the first worker's
    registration with RQ (as bench.fanout times from when its worker listens) and, as
    before, from the command's start."""
    from rq import Worker

    from app import money
    from app.extensions import db, redis_connection
    from app.models import Message, WebhookDelivery
    from app.services.messaging import messages as sending
    from app.services.tenancy import partners
    from app.services.webhooks import endpoints

    # The fan-out benchmark's receiver: its own process, HTTP/1.1 kept alive, as a real
    # receiver behind a proxy would be (a thread here answering HTTP/1.0 cost each delivery
    # a new connection and shared this process's GIL with its polling).
    url, receiver = fanout.start_receiver()
    with app.app_context():
        redis_connection.client.flushdb()  # only this benchmark's jobs
        partner = partners.create_partner(
            "Bench", sandbox_balance_micros=money.to_micros("1000000")).partner
        partner_id = partner.id
        endpoints.create(partner.id, "sandbox", url, event_types=["message.sent",
                                                                   "message.delivered"])
        for _ in range(messages):
            sending.send(partner.id, "sandbox", {"channel": "sms", "to": "+15005550006",
                                                 "text": "benchmark"})
        db.session.remove()
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker",
               "--processes", str(processes)]
    launched = time.perf_counter()
    listening = None
    delivered = 0
    worker = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0.0
    deadline = time.monotonic() + 600
    try:
        while True:
            if time.monotonic() > deadline or worker.poll() is not None:
                raise RuntimeError(f"only {delivered} of {messages} messages delivered")
            if listening is None:
                with app.app_context():
                    if Worker.count(connection=redis_connection.client):
                        listening = time.perf_counter()
                if listening is None:
                    time.sleep(0.005)
                    continue
            peak = max(peak, rss_mb(worker.pid))
            with app.app_context():
                delivered = db.session.scalar(select(func.count(Message.id)).where(
                    Message.partner_id == partner_id, Message.status == "delivered"))
                done = db.session.scalar(select(func.count(WebhookDelivery.id)).where(
                    WebhookDelivery.partner_id == partner_id,
                    WebhookDelivery.status == "succeeded"))
                db.session.remove()
            if delivered >= messages and done >= 2 * messages:
                break
            time.sleep(0.02)
        finished = time.perf_counter()
    finally:
        if worker.poll() is None:
            worker.terminate()  # a warm shutdown: the workers finish their jobs and exit
            worker.wait(60)
        receiver.kill()
        receiver.wait()
    return {"messages_per_s": messages / (finished - listening),
            "messages_per_s_with_startup": messages / (finished - launched),
            "worker_startup_s": listening - launched, "send_worker_rss_mb": peak}


def run(app, env: dict, messages: int = 200, processes: int | None = None,
        noop_jobs: int = 2000) -> dict:
    """Both rates and their ratio (also with the worker's start-up timed, the figure's
    definition before 2026-12-03), plus the worker's peak memory."""
    processes = processes or os.cpu_count() or 1
    baseline = noop_rate(app, noop_jobs)
    values = dispatch_rate(app, messages, processes, env)
    return {"noop_jobs_per_s": baseline, **values, "worker_processes": processes,
            "worker_dispatch": values["messages_per_s"] / baseline,
            "worker_dispatch_with_startup": values["messages_per_s_with_startup"] / baseline}


def _standalone(messages: int, processes: int | None) -> dict:
    env = settings()
    os.environ.update(env)
    from app import create_app

    app = create_app()
    with app.app_context():
        upgrade(directory=os.path.join(app.root_path, "migrations"))
    return run(app, env, messages, processes)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--processes", type=int, default=None,
                        help="worker processes (default: one per core)")
    args = parser.parse_args()
    result = _standalone(args.messages, args.processes)
    print(f"no-op jobs/s (SimpleWorker): {result['noop_jobs_per_s']:.1f}")
    print(f"worker processes: {result['worker_processes']}, "
          f"start-up {result['worker_startup_s']:.1f} s")
    print(f"messages/s queued→delivered: {result['messages_per_s']:.1f} "
          f"({result['messages_per_s_with_startup']:.1f} with the start-up)")
    print(f"worker_dispatch: {result['worker_dispatch']:.3f} "
          f"({result['worker_dispatch_with_startup']:.3f} with the start-up)")
