"""One job sends the queued messages a batch at a time (app.services.messaging.drain): a burst
of sends costs a few jobs, and what a message costs the worker stays bounded; a worker killed
mid-batch loses nothing, charges once, and repeats only the send it was making."""

from __future__ import annotations

import threading

import pytest
from rq import Queue
from rq.registry import FinishedJobRegistry
from sqlalchemy import func, select
from werkzeug import Request, Response

from app.extensions import db, redis_connection
from app.models import Message, MessageEvent, WalletTransaction
from app.services.messaging import gateways
from jobs.worker import run_worker
from tests.api.test_pipeline_costs import commits, redis_commands, statements
from tests.jobs._workers import (
    kill_with_its_horse,
    run_worker_to_completion,
    start_worker,
    wait_past,
    worker_env,
)

SMS = {"channel": "sms", "to": "+15005550006", "text": "hi"}
ACCOUNT = "AC" + "c" * 32


def _send_many(client, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        response = client.post("/messages", json=SMS)
        assert response.status_code == 202, response.json
        ids.append(response.json["id"])
    return ids


def _statuses(app, ids: list[str]) -> list[str]:
    with app.app_context():
        by_id = dict(db.session.execute(select(Message.id, Message.status)
                                        .where(Message.id.in_(ids))).all())
    return [by_id[message_id] for message_id in ids]


def test_a_burst_of_sends_waits_as_one_job_and_is_sent_by_a_few(app, tenant, drain):
    ids = _send_many(tenant.sandbox, 60)
    with app.app_context():
        assert Queue("send", connection=redis_connection.client).count == 1
    drain()
    assert _statuses(app, ids) == ["delivered"] * 60
    with app.app_context():
        finished = FinishedJobRegistry("send", connection=redis_connection.client).count
        statuses = db.session.scalars(select(MessageEvent.status).where(
            MessageEvent.message_id == ids[0]).order_by(MessageEvent.sequence)).all()
    # The first claims 50 and hands the rest to a second; a third finds none left.
    assert finished <= 3
    assert statuses == ["queued", "sending", "sent", "delivered"]


def test_what_a_message_costs_the_worker_stays_bounded(app, tenant, local, receiver,
                                                       monkeypatch):
    """Send, receipt, dispatch and both webhooks. With a job per message and a transaction
    per step this test counted 45 SQL statements, 7.3 commits and 31 Redis commands per
    message (SQLite); then about 12, 1.5 and 3.6; with a batch's receipts written together
    8.2 (6.6 on PostgreSQL)."""
    created = tenant.sandbox.post("/webhook_endpoints", json={
        "url": receiver.url, "event_types": ["message.sent", "message.delivered"]})
    assert created.status_code == 201, created.json
    count = 40
    ids = _send_many(tenant.sandbox, count)
    with statements(app) as sql, commits(app) as committed, \
            redis_commands(monkeypatch) as sent:
        run_worker(app, list(app.config["RQ_QUEUES"]), burst=True)
    assert _statuses(app, ids) == ["delivered"] * count
    assert len(receiver.requests) == 2 * count
    assert len(sql) / count <= 9, len(sql) / count
    assert len(committed) / count <= 1.6, len(committed) / count
    assert len(sent) / count <= 4, len(sent) / count


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_nothing_and_charges_once(app, tenant, httpserver):
    reached = threading.Event()
    release = threading.Event()
    calls: list[str] = []

    def twilio(request: Request) -> Response:
        calls.append(request.form.get("Body"))
        if len(calls) == 2:
            reached.set()
            release.wait(30)  # the worker dies while we hold its second send
        return Response(f'{{"sid": "SM{len(calls)}"}}', status=201,
                        content_type="application/json")

    httpserver.expect_request(f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
                              ).respond_with_handler(twilio)
    with app.app_context():
        gateways.add_gateway("sms", "twilio", "Twilio (fake)", partner_id=tenant.partner_id,
                             base_url=httpserver.url_for("/").rstrip("/"),
                             credentials={"account_sid": ACCOUNT, "auth_token": "t"},
                             settings={"from": "+15550001111"})
    ids = []
    for n in range(3):
        accepted = tenant.live.post("/messages", json={"channel": "sms", "to": "+15551234567",
                                                       "text": f"batch {n}"})
        assert accepted.status_code == 202, accepted.json
        ids.append(accepted.json["id"])
    # A lease long enough for one job to claim the three as one batch.
    env = worker_env(app, SEND_LEASE_SECONDS=6, GATEWAY_TIMEOUT_SECONDS=1,
                     STALE_QUEUED_SECONDS=0)
    first = start_worker(app, env)
    try:
        assert reached.wait(60), "the worker never reached the second send"
        kill_with_its_horse(first)
    finally:
        release.set()
    with app.app_context():
        rows = db.session.scalars(select(Message).where(Message.id.in_(ids))
                                  .order_by(Message.id)).all()
        # The first send was recorded as it was answered; the batch's others stay leased.
        assert [m.status for m in rows] == ["sent", "sending", "sending"]
        lease_end = max(m.next_attempt_at for m in rows[1:])
        texts = [m.text for m in rows]
    wait_past(lease_end)
    run_worker_to_completion(app, env)
    assert _statuses(app, ids) == ["sent"] * 3
    with app.app_context():
        debits = db.session.scalar(select(func.count(WalletTransaction.id)).where(
            WalletTransaction.message_id.in_(ids)))
        sendings = db.session.scalar(select(func.count(MessageEvent.id)).where(
            MessageEvent.message_id == ids[2], MessageEvent.status == "sending"))
    assert debits == 3  # one charge each, no refund
    assert sendings == 1  # claimed once by the batch; the next attempt found it `sending`
    # The first went once, the one in flight twice, the third once, after the crash.
    assert sorted(calls) == sorted([texts[0], texts[1], texts[1], texts[2]])


def test_a_batch_claims_no_more_than_its_size(app, tenant):
    """On PostgreSQL, `UPDATE … WHERE id IN (SELECT … LIMIT 50 FOR UPDATE SKIP LOCKED)` ran
    the subquery again per row on fresh tables and claimed the whole queue in one batch
    (bench.worker: 300 of 300), leaving messages leased while the batch sent the rest."""
    from app.services.messaging import drain

    ids = _send_many(tenant.sandbox, 120)
    with app.app_context():
        claimed = drain.claim_batch(50)
    assert claimed == sorted(ids)[:50]
    assert _statuses(app, sorted(ids)) == ["sending"] * 50 + ["queued"] * 70


def test_a_send_job_hands_the_queue_over_after_its_limit(app, tenant):
    """A backlog is sent by a chain of jobs of LIMIT messages each, not by one job that runs
    until the queue is empty: between them a worker takes its other queues in turn, so the
    events of the messages already sent are dispatched while the rest are still sending
    (bench.worker: webhooks had waited for the whole backlog)."""
    from app.services.messaging import drain

    ids = sorted(_send_many(tenant.sandbox, drain.LIMIT + 20))
    with app.app_context():
        Queue("send", connection=redis_connection.client).empty()
        redis_connection.client.delete(drain.delivery.SENDING_QUEUED)
        assert drain.send_queued() == f"{drain.LIMIT} messages"
        assert Queue("send", connection=redis_connection.client).count == 1
    statuses = _statuses(app, ids)
    assert statuses[:drain.LIMIT] == ["delivered"] * drain.LIMIT
    assert statuses[drain.LIMIT:] == ["queued"] * 20
