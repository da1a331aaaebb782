"""Webhook delivery at volume: one job per endpoint drains its due deliveries in order, and
attempts to one host reuse a kept-alive connection (bench `webhook_fanout`)."""

from __future__ import annotations

import http.server
import threading

import pytest
from rq import Queue
from sqlalchemy import select
from werkzeug import Response

from app.extensions import db, redis_connection
from app.models import WebhookDelivery
from app.services import dispatch, events, tx
from app.services.webhooks import sender
from tests.jobs._webhooks import Receiver, _endpoint


def test_a_burst_of_events_costs_one_job_per_endpoint_which_delivers_them_all(
        app, tenant, drain, local, httpserver):
    first, second = Receiver(httpserver, "/a"), Receiver(httpserver, "/b")
    endpoints = [_endpoint(tenant.live, r.url) for r in (first, second)]
    with app.app_context():
        with tx.unit_of_work():
            ids = [events.record(tenant.partner_id, "live", "conversation.assigned",
                                 {"id": f"cnv_01HNQX2P8Y9R3T4V5W6Z7A8B{n:02d}"}).id
                   for n in range(5)]
        dispatch.dispatch_pending()
        queued = [job for job in Queue("webhooks", connection=redis_connection.client).jobs
                  if job.func_name == "jobs.webhooks.deliver"]
    assert len(queued) == 2  # not one per delivery (ten)
    drain()
    for receiver, endpoint in zip((first, second), endpoints, strict=True):
        assert [e["id"] for e in receiver.verified(endpoint["secret"])] == ids
    with app.app_context():
        done = db.session.execute(select(WebhookDelivery.status,
                                         WebhookDelivery.attempt_count)).all()
    assert sorted(done) == [("succeeded", 1)] * 10


def test_a_failure_mid_drain_retries_that_delivery_and_gives_the_unsent_their_attempt_back(
        app, tenant, drain, local, receiver):
    receiver.answer = lambda number: Response("no", status=500 if number == 3 else 200)
    endpoint = _endpoint(tenant.live, receiver.url)
    with app.app_context(), tx.unit_of_work():
        ids = [events.record(tenant.partner_id, "live", "conversation.assigned",
                             {"id": f"cnv_01HNQX2P8Y9R3T4V5W6Z7A8B{n:02d}"}).id
               for n in range(5)]
    drain()
    sent = [e["id"] for e in receiver.verified(endpoint["secret"])]
    assert sent == [*ids[:3], *ids[2:]]  # the third again, then the two the batch held back
    with app.app_context():
        counts = dict(db.session.execute(
            select(WebhookDelivery.event_id, WebhookDelivery.attempt_count)
            .where(WebhookDelivery.status == "succeeded")).all())
    assert [counts[i] for i in ids] == [1, 1, 2, 1, 1]


class _KeptAlive(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    peers: list[int] = []

    def do_POST(self):  # noqa: N802 - http.server's naming
        self.rfile.read(int(self.headers["Content-Length"]))
        type(self).peers.append(self.client_address[1])
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        return


@pytest.fixture
def kept_alive():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _KeptAlive)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    _KeptAlive.peers = []
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_attempts_to_one_host_reuse_a_kept_alive_connection(app, local, kept_alive):
    with app.app_context():
        outcomes = [sender.post(kept_alive, f"evt_{n}", "{}", ["whsec_" + "A" * 32])
                    for n in range(3)]
    assert [o.status_code for o in outcomes] == [200] * 3
    assert len(set(_KeptAlive.peers)) == 1  # one connection (one client port) for all three
