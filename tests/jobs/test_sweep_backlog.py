"""The sweeper never copies work whose job is only waiting behind a backlog, and hands lost
work back once per grace period, not at every sweep of every worker (found by the chaos
run: the copies outgrew the workers, and the long run never drained)."""

from __future__ import annotations

from datetime import timedelta

from rq import Queue
from rq.job import Job
from sqlalchemy import update

from app.extensions import db, redis_connection
from app.models import Message
from app.models.base import utcnow
from app.services import dispatch, maintenance, queue
from app.services.messaging import delivery
from app.services.webhooks import delivery as webhook_delivery
from jobs.worker import AppWorker
from tests.helpers import set_config
from tests.jobs._webhooks import _endpoint, _event


def _queued(app, name: str) -> list[Job]:
    with app.app_context():
        return Queue(name, connection=redis_connection.client).jobs


def _forget_sweeps() -> None:
    """As if the grace period had ended (its Redis keys expire)."""
    for key in redis_connection.client.scan_iter(f"{maintenance.SWEPT_KEY}:*"):
        redis_connection.client.delete(key)


def _send(tenant) -> str:
    accepted = tenant.sandbox.post("/messages", json={"channel": "sms", "to": "+15005550006",
                                                      "text": "behind a backlog"})
    assert accepted.status_code == 202
    return accepted.json["id"]


def _overdue_lease(app, message_id: str) -> None:
    """As if a worker had taken the message for an attempt and died: leased, overdue."""
    with app.app_context():
        db.session.execute(update(Message).where(Message.id == message_id).values(
            status="sending", next_attempt_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
        Queue("send", connection=redis_connection.client).empty()


def _leased_with_a_retry(app, tenant) -> str:
    """A message whose attempt's worker died, with a retry job of its own (marked)."""
    message_id = _send(tenant)
    _overdue_lease(app, message_id)
    with app.app_context():
        delivery.schedule_attempt(message_id)
    return message_id


def _marked(app, tenant) -> tuple[str, str]:
    """A message with a marked retry job, and the marker's key."""
    message_id = _send(tenant)
    with app.app_context():
        delivery.schedule_attempt(message_id)
    return message_id, queue.marker_key(delivery.MARKER, message_id)


def test_queued_messages_whose_sending_job_waits_are_not_copied(app, tenant, monkeypatch,
                                                               drain):
    set_config(monkeypatch, app, "STALE_QUEUED_SECONDS", 0)
    message_id = _send(tenant)
    [job] = _queued(app, "send")  # the one job that sends the queued messages
    with app.app_context():
        for _ in range(3):  # however long it waits, and however many sweeps pass
            assert maintenance.sweep()["messages"] == 0
            _forget_sweeps()
    assert [j.id for j in _queued(app, "send")] == [job.id]
    drain()
    assert tenant.sandbox.get(f"/messages/{message_id}").json["status"] == "delivered"


def test_queued_messages_whose_job_was_lost_get_one_sending_job(app, tenant, monkeypatch,
                                                                drain):
    set_config(monkeypatch, app, "STALE_QUEUED_SECONDS", 0)
    message_ids = [_send(tenant) for _ in range(3)]
    with app.app_context():
        redis_connection.client.flushdb()  # Redis restarted: the job and its flag are gone
        assert maintenance.sweep()["messages"] == 1  # one job for all three
        assert maintenance.sweep()["messages"] == 0  # it waits now: the next sweeps add none
        _forget_sweeps()
        assert maintenance.sweep()["messages"] == 0
    assert len(_queued(app, "send")) == 1
    drain()
    for message_id in message_ids:
        assert tenant.sandbox.get(f"/messages/{message_id}").json["status"] == "delivered"


def test_a_leased_message_whose_retry_waits_is_not_copied(app, tenant, monkeypatch, drain):
    set_config(monkeypatch, app, "STALE_QUEUED_SECONDS", 0)
    message_id = _leased_with_a_retry(app, tenant)
    with app.app_context():
        assert queue.waiting(delivery.MARKER, [message_id]) == {message_id}
        for _ in range(3):
            assert maintenance.sweep()["messages"] == 0
            _forget_sweeps()
    assert len(_queued(app, "send")) == 1
    drain()
    assert tenant.sandbox.get(f"/messages/{message_id}").json["status"] == "delivered"


def test_a_leased_message_whose_job_was_lost_is_enqueued_again_once_per_grace(
        app, tenant, monkeypatch, drain):
    set_config(monkeypatch, app, "STALE_QUEUED_SECONDS", 0)
    message_id = _leased_with_a_retry(app, tenant)
    with app.app_context():
        Queue("send", connection=redis_connection.client).empty()  # its marker left behind
        assert queue.waiting(delivery.MARKER, [message_id]) == set()
        assert maintenance.sweep()["messages"] == 1  # one copy
        assert maintenance.sweep()["messages"] == 0  # it waits now
        _forget_sweeps()
        assert maintenance.sweep()["messages"] == 0
    assert len(_queued(app, "send")) == 1
    drain()
    assert tenant.sandbox.get(f"/messages/{message_id}").json["status"] == "delivered"


def test_a_job_that_started_no_longer_counts_as_waiting(app, tenant, monkeypatch):
    """A worker killed mid-job leaves its job `started`: the work is handed back."""
    set_config(monkeypatch, app, "STALE_QUEUED_SECONDS", 0)
    message_id = _leased_with_a_retry(app, tenant)
    with app.app_context():
        [job] = _queued(app, "send")
        job.set_status("started")  # what RQ records when a worker takes the job
        assert queue.waiting(delivery.MARKER, [message_id]) == set()
        assert maintenance.sweep()["messages"] == 1


def test_the_worker_clears_the_marker_of_the_job_it_starts(app, tenant):
    message_id, key = _marked(app, tenant)
    with app.app_context():
        client = redis_connection.client
        assert client.get(key) is not None
        AppWorker.flask_app = app
        AppWorker(["send"], connection=client).work(burst=True)
        assert client.get(key) is None


def test_a_later_job_keeps_its_marker_when_an_earlier_one_starts(app, tenant):
    message_id, key = _marked(app, tenant)
    with app.app_context():
        client = redis_connection.client
        first_id = client.get(key).decode()
        delivery.schedule_attempt(message_id, delay=60)  # a retry, due later
        later = client.get(key).decode()
        assert later != first_id
        queue.clear_marker(client, Job.fetch(first_id, connection=client))
        assert client.get(key).decode() == later


def test_an_endpoint_gets_one_sweep_job_for_all_its_lost_deliveries(app, tenant, monkeypatch,
                                                                    local, receiver, drain):
    set_config(monkeypatch, app, "STALE_QUEUED_SECONDS", 0)
    endpoint = _endpoint(tenant.live, receiver.url)
    event_ids = [_event(app, tenant.partner_id) for _ in range(4)]
    with app.app_context():
        Queue("webhooks", connection=redis_connection.client).empty()  # the dispatch jobs
        for event_id in event_ids:
            dispatch.dispatch(event_id)
        # Each dispatch enqueued a job for the endpoint: none is lost, none is copied.
        assert len(_queued(app, "webhooks")) == 4
        assert maintenance.sweep()["webhook_endpoints"] == 0
        Queue("webhooks", connection=redis_connection.client).empty()  # now they are lost
        assert list(webhook_delivery.endpoints_due_for_sweep()) == [endpoint["id"]]
        assert maintenance.sweep()["webhook_endpoints"] == 1
        _forget_sweeps()
        assert maintenance.sweep()["webhook_endpoints"] == 0  # its job waits
    [job] = _queued(app, "webhooks")
    drain()  # the one job drains the endpoint
    assert sorted(e["id"] for e in receiver.verified(endpoint["secret"])) == sorted(event_ids)
