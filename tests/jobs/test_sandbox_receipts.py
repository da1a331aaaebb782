"""A sandbox receipt due at once is played by the send job itself (no job of its own), the
receipts of a batch written together; one due later still waits in the queue for its time."""

from __future__ import annotations

import pytest
from rq import Queue

from app.extensions import db, redis_connection
from app.models import Message
from app.services.messaging import drain, sending
from tests.api.test_pipeline_costs import statements
from tests.helpers import set_config


def _send(tenant) -> str:
    response = tenant.sandbox.post("/messages", json={"channel": "sms", "to": "+15005550006",
                                                      "text": "hi"})
    assert response.status_code == 202, response.json
    return response.json["id"]


def _callback_jobs() -> list:
    queue = Queue("default", connection=redis_connection.client)
    scheduled = queue.scheduled_job_registry.get_job_ids()
    return [job for job in queue.jobs if job.func_name.endswith("play_sandbox_callback")] + \
        scheduled


@pytest.mark.parametrize(("delay", "status", "jobs"), [(0, "delivered", 0), (30, "sent", 1)])
def test_a_receipt_due_at_once_is_played_by_the_send_job_one_due_later_waits_for_a_job(
        app, tenant, monkeypatch, delay, status, jobs):
    set_config(monkeypatch, app, "SANDBOX_RECEIPT_DELAY", delay)
    message_id = _send(tenant)
    with app.app_context():
        sending.attempt(message_id)
        assert db.session.get(Message, message_id).status == status
        assert len(_callback_jobs()) == jobs


def _statements_playing(app, tenant, monkeypatch, count: int) -> int:
    """Send `count` messages as one batch; the SQL statements their receipts then cost."""
    ids = [_send(tenant) for _ in range(count)]
    played: list[sending.Receipt] = []
    monkeypatch.setattr(sending, "play_receipts", played.extend)  # kept for below
    with app.app_context():
        assert len(list(drain.attempt_batch(drain.claim_batch(count), lambda: False))) == count
        monkeypatch.undo()
        with statements(app) as sql:
            sending.play_receipts(played)
        db.session.remove()
        assert {db.session.get(Message, i).status for i in ids} == {"delivered"}
    return len(sql)


def test_a_batch_of_receipts_costs_the_statements_of_one(app, tenant, monkeypatch):
    """Their messages locked by one SELECT, their changes and events written by one
    statement per kind (before, 20 receipts cost 81 statements on SQLite, 2 cost 9)."""
    set_config(monkeypatch, app, "SANDBOX_RECEIPT_DELAY", 0)
    few = _statements_playing(app, tenant, monkeypatch, 2)
    set_config(monkeypatch, app, "SANDBOX_RECEIPT_DELAY", 0)
    assert _statements_playing(app, tenant, monkeypatch, 20) == few
