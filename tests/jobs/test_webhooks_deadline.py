"""A slow receiver cannot hold an attempt past its deadline, nor more than one worker.

The review's reproduction: a receiver trickling one byte at a time under the per-read
timeout held an attempt far past WEBHOOK_TIMEOUT_SECONDS; the RQ job timeout (180 s)
exceeded the lease (60 s), so a sweeper could start a parallel attempt.
"""

from __future__ import annotations

import socket
import threading
import time

import pytest
from rq import Queue

from app.extensions import db, redis_connection
from app.models import WebhookDelivery, WebhookEndpoint
from app.models.base import utcnow
from app.services import events, tx
from app.services.messaging import delivery as message_delivery
from app.services.webhooks import delivery as webhook_delivery
from app.services.webhooks import sender
from tests.jobs._webhooks import _endpoint, _event, _log

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok"


class TricklingReceiver:
    """Answers every request 200, one byte every 0.25 s: each read comes well within a
    1 s read timeout, yet the whole answer takes about 20 s."""

    def __init__(self):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook"
        self.finished: list[bool] = []  # one entry per connection: did it send everything?
        self.stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        self.listener.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:  # closed at the end of the test
                return
            threading.Thread(target=self._trickle, args=(conn,), daemon=True).start()

    def _trickle(self, conn: socket.socket):
        with conn:
            conn.recv(65536)
            try:
                for byte in RESPONSE:
                    if self.stop.is_set():
                        return
                    conn.sendall(bytes([byte]))
                    time.sleep(0.25)
            except OSError:  # the client hung up at its deadline
                self.finished.append(False)
                return
            self.finished.append(True)

    def close(self):
        self.stop.set()
        self.listener.close()


@pytest.fixture
def trickling():
    receiver = TricklingReceiver()
    yield receiver
    receiver.close()


def test_a_trickling_receiver_cannot_hold_an_attempt_past_the_deadline(app, tenant, drain,
                                                                       local, trickling):
    local("WEBHOOK_TIMEOUT_SECONDS", 1)
    local("WEBHOOK_RETRY_DELAYS", "0")  # one attempt
    endpoint = _endpoint(tenant.live, trickling.url)
    _event(app, tenant.partner_id)
    drain()
    [delivery] = _log(tenant.live, endpoint["id"])
    [attempt] = delivery["attempts"]
    assert delivery["status"] == "failed"
    assert attempt["status_code"] is None and attempt["error"] == "timed out after 1 s"


def test_a_body_trickled_past_the_deadline_times_the_attempt_out(app, local):
    """The status line and headers come at once; the body, one byte every 0.25 s, would
    take minutes. Reading the excerpt is part of the exchange the deadline bounds."""
    listener = socket.create_server(("127.0.0.1", 0))
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/hook"

    def serve():
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            try:
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2000\r\n\r\n")
                for _ in range(2000):
                    conn.sendall(b"x")
                    time.sleep(0.25)
            except OSError:  # the client hung up at its deadline
                return

    threading.Thread(target=serve, daemon=True).start()
    try:
        with app.app_context():
            outcome = sender.post(url, "evt_1", "{}", ["whsec_" + "A" * 32], deadline=1)
    finally:
        listener.close()
    assert (outcome.status_code, outcome.error) == (None, "timed out after 1 s")


def test_the_job_timeout_is_below_the_lease(app, local):
    local("WEBHOOK_LEASE_SECONDS", 60)
    local("WEBHOOK_TIMEOUT_SECONDS", 120)  # misconfigured: the deadline is capped anyway
    webhook_delivery_id = "whd_01HNQX2P8Y9R3T4V5W6Z7A8B9C"
    with app.app_context():
        webhook_delivery.schedule_delivery(webhook_delivery_id, "we_01HNQX2P8Y9R3T4V5W6Z7A8B9C")
        [job] = Queue("webhooks", connection=redis_connection.client).jobs
        assert job.args == (webhook_delivery_id,)
        assert job.timeout < 60
        assert webhook_delivery.attempt_deadline() < job.timeout


def test_the_send_job_timeout_is_below_the_send_lease(app, app_ctx):
    app.config["SEND_LEASE_SECONDS"], lease = 120, app.config["SEND_LEASE_SECONDS"]
    try:
        message_delivery.schedule_attempt("msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C")
        [job] = Queue("send", connection=redis_connection.client).jobs
        assert job.timeout < 120
    finally:
        app.config["SEND_LEASE_SECONDS"] = lease


def _two_pending_deliveries(app, tenant, receiver) -> tuple[str, list[str]]:
    """Two deliveries to one endpoint (an event and its redelivery), not yet attempted."""
    endpoint = _endpoint(tenant.live, receiver.url)
    with app.app_context():
        event = events.record(tenant.partner_id, "live", "conversation.assigned",
                              {"id": "cnv_01HNQX2P8Y9R3T4V5W6Z7A8B9C"})
        target = db.session.get(WebhookEndpoint, endpoint["id"])
        ids = (webhook_delivery.create_deliveries(event, [target])
               + webhook_delivery.create_deliveries(event, [target]))
        tx.commit()
        db.session.remove()
    return endpoint["id"], ids


def test_at_most_one_attempt_is_in_flight_per_endpoint(app, tenant, local, receiver):
    """While one delivery's attempt runs, the endpoint's other delivery waits, uncounted and
    due, without a job of its own; the attempt in flight wakes it when done.

    Jobs are only enqueued here (no worker runs): the test plays each step by hand.
    """
    endpoint_id, (first, second) = _two_pending_deliveries(app, tenant, receiver)
    with app.app_context():
        work = webhook_delivery.claim(first)
        assert work is not None  # in flight: its POST has not come back yet
        webhooks_queue = Queue("webhooks", connection=redis_connection.client)
        webhooks_queue.empty()
        assert webhook_delivery.claim(second) is None
        waiting = db.session.get(WebhookDelivery, second)
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        assert waiting.attempt_count == 0 and waiting.status == "pending"
        assert waiting.next_attempt_at <= utcnow() and endpoint.busy_until == work.lease_end
        assert webhooks_queue.jobs == []  # no job spins on the busy endpoint
        outcome = webhook_delivery.webhook_sender.post(work.url, work.message_id,
                                                       work.payload, work.secrets)
        assert webhook_delivery.record(work, outcome) == "succeeded"
        assert db.session.get(WebhookEndpoint, endpoint_id,
                              populate_existing=True).busy_until is None
        # The waiting delivery is woken at once (not at the end of the lease) and enqueued.
        woken = db.session.get(WebhookDelivery, second, populate_existing=True)
        assert woken.next_attempt_at <= utcnow() and woken.attempt_count == 0
        queued = Queue("webhooks", connection=redis_connection.client).jobs
        assert (second,) in [job.args for job in queued]
        assert webhook_delivery.claim(second) is not None
