"""A sandbox receipt due at once is played by the send job itself (no job of its own); one
due later still waits in the queue for its time."""

from __future__ import annotations

import pytest
from rq import Queue

from app.extensions import db, redis_connection
from app.models import Message
from app.services.messaging import sending
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
