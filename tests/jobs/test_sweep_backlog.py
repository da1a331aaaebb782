"""The sweeper hands work waiting behind a backlog back once per grace period, not at every
sweep of every worker (found by the chaos run: the copies outgrew the workers)."""

from __future__ import annotations

from app.extensions import redis_connection
from app.services import maintenance
from tests.helpers import set_config


def _queued_sends(app) -> int:
    with app.app_context():
        return redis_connection.client.llen("rq:queue:send")


def test_work_that_looks_lost_is_enqueued_again_once_per_grace(app, tenant, monkeypatch,
                                                               drain):
    set_config(monkeypatch, app, "STALE_QUEUED_SECONDS", 0)
    accepted = tenant.sandbox.post("/messages", json={"channel": "sms", "to": "+15005550006",
                                                      "text": "behind a backlog"})
    assert accepted.status_code == 202
    assert _queued_sends(app) == 1
    with app.app_context():
        assert maintenance.sweep()["messages"] == 1  # queued "too long": one copy
        assert maintenance.sweep()["messages"] == 0  # the next sweeps add none
        assert maintenance.sweep()["messages"] == 0
    assert _queued_sends(app) == 2
    with app.app_context():  # the grace period ends (its Redis key expires)
        for key in redis_connection.client.scan_iter(f"{maintenance.SWEPT_KEY}:*"):
            redis_connection.client.delete(key)
        assert maintenance.sweep()["messages"] == 1
    drain()
    assert tenant.sandbox.get(f"/messages/{accepted.json['id']}").json["status"] == "delivered"
