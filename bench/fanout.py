"""webhook_fanout: signed webhook deliveries/s to a local receiver by the production worker,
as a ratio of the no-op jobs/s RQ's SimpleWorker drains from the same Redis.

Once `flask worker --queue webhooks` listens, the clock starts and events are recorded in one
transaction; the worker's dispatch job writes their deliveries (one per endpoint) and its
delivery jobs send them to a receiver in its own process on loopback that answers every POST
with 200 (HTTP/1.1, kept alive). The clock stops when every delivery is `succeeded`.
Run: `python -m bench.fanout [--events N]`, or `python -m bench.fanout --receive` for the
receiver alone (it prints its port).
"""

from __future__ import annotations

import argparse
import http.server
import os
import subprocess
import sys
import time
from pathlib import Path

from flask_migrate import upgrade
from sqlalchemy import func, select

ROOT = Path(__file__).resolve().parents[1]
ENDPOINTS = 4  # a partner with a few endpoints: every event is delivered to each


class _Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as a real receiver behind a proxy would

    def do_POST(self):  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        return


def receive() -> None:
    """Serve the receiver until killed; print its port first."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def start_receiver() -> tuple[str, subprocess.Popen]:
    """The receiver in its own process (so the benchmark's GIL is not its limit)."""
    proc = subprocess.Popen([sys.executable, "-m", "bench.fanout", "--receive"], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    port = int(proc.stdout.readline())
    return f"http://127.0.0.1:{port}/hook", proc


def fanout_rate(app, events: int, env: dict) -> tuple[float, int]:
    """Deliveries/s from the events' commit to every delivery `succeeded`, by `flask worker`
    (its dispatch job writes the deliveries, its delivery jobs send them); and how many."""
    from rq import Worker

    from app import money
    from app.extensions import db, redis_connection
    from app.models import WebhookDelivery
    from app.services import events as outbox
    from app.services import tx
    from app.services.tenancy import partners
    from app.services.webhooks import endpoints

    url, receiver = start_receiver()
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--queue", "webhooks"]
    worker = None
    try:
        with app.app_context():
            redis_connection.client.flushdb()  # only this benchmark's jobs
            partner_id = partners.create_partner(
                "Bench fan-out", sandbox_balance_micros=money.to_micros("1")).partner.id
            for _ in range(ENDPOINTS):
                endpoints.create(partner_id, "sandbox", url, event_types=["message.sent"])
            worker = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **env},
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            # The clock starts once the worker listens: its start-up is not delivery time.
            while not Worker.all(connection=redis_connection.client):
                if worker.poll() is not None:
                    raise RuntimeError("the worker exited before it started listening")
                time.sleep(0.05)
            started = time.perf_counter()
            with tx.unit_of_work():
                for n in range(events):
                    outbox.record(partner_id, "sandbox", "message.sent",
                                  {"id": f"msg_bench{n:08d}", "status": "sent"})
            db.session.remove()
        total = events * ENDPOINTS
        deadline = time.monotonic() + 600
        while True:
            with app.app_context():
                done = db.session.scalar(select(func.count(WebhookDelivery.id)).where(
                    WebhookDelivery.partner_id == partner_id,
                    WebhookDelivery.status == "succeeded"))
                db.session.remove()
            if done >= total:
                break
            if time.monotonic() > deadline or worker.poll() is not None:
                raise RuntimeError(f"only {done} of {total} deliveries succeeded")
            time.sleep(0.02)
        return total / (time.perf_counter() - started), total
    finally:
        if worker is not None and worker.poll() is None:
            worker.terminate()  # a warm shutdown: the worker finishes its job and exits
            worker.wait(60)
        receiver.kill()
        receiver.wait()


def run(app, env: dict, events: int = 250, noop_jobs: int = 2000) -> dict:
    """Both rates and their ratio."""
    from bench.worker import noop_rate

    baseline = noop_rate(app, noop_jobs)
    rate, total = fanout_rate(app, events, env)
    return {"fanout_noop_jobs_per_s": baseline, "deliveries_per_s": rate,
            "fanout_deliveries": total, "webhook_fanout": rate / baseline}


def _standalone(events: int) -> dict:
    from bench import worker

    env = worker.settings()
    os.environ.update(env)
    from app import create_app

    app = create_app()
    with app.app_context():
        upgrade(directory=os.path.join(app.root_path, "migrations"))
    return run(app, env, events)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=250)
    parser.add_argument("--receive", action="store_true")
    args = parser.parse_args()
    if args.receive:
        receive()
    else:
        for name, value in _standalone(args.events).items():
            print(f"{name}: {value:.3f}")
