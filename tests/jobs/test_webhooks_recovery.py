"""Outbound webhooks are never lost and never sent twice at once: leases on claimed
deliveries, the sweeper's recovery of lost events and expired leases, a worker killed
mid-delivery."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import select
from werkzeug import Response

from app.extensions import db, redis_connection
from app.models import WebhookDelivery
from app.services import dispatch, events, maintenance
from app.services.webhooks import delivery as webhook_delivery
from tests.jobs._webhooks import Receiver, _endpoint, _event, _log
from tests.jobs._workers import (
    kill_with_its_horse,
    run_worker_to_completion,
    start_worker,
    wait_past,
    worker_env,
)

# Never lost, never twice


def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_ends(app, tenant, local,
                                                                       receiver):
    _endpoint(tenant.live, receiver.url)
    event_id = _event(app, tenant.partner_id)
    with app.app_context():
        [delivery_id] = dispatch.dispatch(event_id).deliveries
        assert webhook_delivery.claim(delivery_id) is not None
        assert webhook_delivery.claim(delivery_id) is None
        assert webhook_delivery.endpoints_due_for_sweep() == {}


def test_the_sweeper_fans_out_lost_events_and_resumes_expired_leases(app, tenant, drain, local,
                                                                     receiver):
    endpoint = _endpoint(tenant.live, receiver.url)
    local("STALE_QUEUED_SECONDS", 0)
    with app.app_context():  # committed without its dispatch job (Redis was down)
        lost = events.record(tenant.partner_id, "live", "contact.identified", {"id": "con_1"})
        db.session.commit()
        lost_id = lost.id
    with app.app_context():
        found = maintenance.sweep()
    assert found == {"messages": 0, "events": 1, "webhook_endpoints": 0,
                     "sandbox_callbacks": 0}
    drain()
    assert [e["id"] for e in receiver.verified(endpoint["secret"])] == [lost_id]

    local("WEBHOOK_LEASE_SECONDS", 0)
    claimed_id = _event(app, tenant.partner_id)
    with app.app_context():  # a worker claims the delivery, then dies before sending
        [delivery_id] = dispatch.dispatch(claimed_id).deliveries
        assert webhook_delivery.claim(delivery_id) is not None
        redis_connection.client.flushdb()  # its job is gone with the worker
        assert maintenance.sweep()["webhook_endpoints"] == 1
    drain()
    assert [e["id"] for e in receiver.verified(endpoint["secret"])] == [lost_id, claimed_id]
    with app.app_context():
        delivery = db.session.get(WebhookDelivery, delivery_id)
        assert (delivery.status, delivery.attempt_count) == ("succeeded", 2)


@pytest.mark.slow
def test_a_worker_killed_mid_delivery_is_finished_by_another(app, tenant, local, httpserver):
    reached, release = threading.Event(), threading.Event()
    receiver = Receiver(httpserver)

    def hold_the_first(number: int) -> Response:
        if number == 1:
            reached.set()
            release.wait(30)  # the first worker dies while we hold its request
        return Response("ok")

    receiver.answer = hold_the_first
    endpoint = _endpoint(tenant.live, receiver.url)
    _event(app, tenant.partner_id)
    env = worker_env(app, WEBHOOK_ALLOW_HTTP=1, WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8,::1/128",
                     WEBHOOK_ALLOWED_PORTS="*", WEBHOOK_LEASE_SECONDS=1, STALE_QUEUED_SECONDS=0)
    first = start_worker(app, env)
    try:
        assert reached.wait(60), "the first worker never reached the endpoint"
        kill_with_its_horse(first)
    finally:
        release.set()
    with app.app_context():
        stuck = db.session.scalars(select(WebhookDelivery)).one()
        assert (stuck.status, stuck.attempt_count) == ("pending", 1)
        lease_end = stuck.next_attempt_at
    wait_past(lease_end)
    run_worker_to_completion(app, env)
    envelopes = receiver.verified(endpoint["secret"])
    assert len(envelopes) == 2 and envelopes[0] == envelopes[1]
    [delivery] = _log(tenant.live, endpoint["id"])
    assert (delivery["status"], delivery["attempt_count"]) == ("succeeded", 2)
    assert [a["status_code"] for a in delivery["attempts"]] == [200]
    assert json.loads(receiver.requests[1][0])["id"] == delivery["event_id"]


def test_a_burst_of_events_waits_on_one_dispatch_job_which_dispatches_them_all(
        app, tenant, drain, local, receiver):
    from app.services.queue import get_queue

    endpoint = _endpoint(tenant.live, receiver.url)
    ids = [_event(app, tenant.partner_id) for _ in range(5)]
    with app.app_context():
        queued = [job.func_name for job in get_queue("webhooks").get_jobs()]
        assert queued == ["jobs.events.dispatch_pending"]
    drain()
    assert sorted(e["id"] for e in receiver.verified(endpoint["secret"])) == sorted(ids)
    later = _event(app, tenant.partner_id)  # the job cleared its flag: a new one is queued
    drain()
    assert later in [e["id"] for e in receiver.verified(endpoint["secret"])]
