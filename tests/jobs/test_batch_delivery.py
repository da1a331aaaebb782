"""A batch's messages go the way of single sends: a real worker delivers them, and when
Redis is down at acceptance the sweeper enqueues them later."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Message, WalletTransaction
from app.services import maintenance
from tests.helpers import set_config

BATCH = [{"channel": "sms", "to": "+15005550006", "text": "Hi"},
         {"channel": "sms", "to": "+15005550003", "text": "one transient failure first"},
         {"channel": "email", "to": "delivered@sandbox.switchboard.example", "subject": "Hi",
          "text": "Hi"}]


def _statuses(app, ids: list[str]) -> list[str]:
    with app.app_context():
        by_id = dict(db.session.execute(select(Message.id, Message.status)
                                        .where(Message.id.in_(ids))).all())
        return [by_id[message_id] for message_id in ids]


def _ids(response) -> list[str]:
    assert response.status_code == 207, response.json
    return [item["message"]["id"] for item in response.json["data"]]


def test_a_batch_is_delivered_by_a_real_worker(app, tenant, drain, monkeypatch):
    set_config(monkeypatch, app, "SEND_RETRY_DELAYS", "0")
    ids = _ids(tenant.sandbox.post("/messages/batch", json={"messages": BATCH}))
    assert _statuses(app, ids) == ["queued"] * 3
    drain()
    assert _statuses(app, ids) == ["delivered"] * 3
    with app.app_context():  # one charge each, however many attempts
        debits = db.session.scalar(select(func.count(WalletTransaction.id)).where(
            WalletTransaction.message_id.in_(ids), WalletTransaction.type == "debit"))
    assert debits == 3


def test_with_redis_down_a_batch_stays_queued_until_the_sweeper_sends_it(app, tenant, drain,
                                                                         monkeypatch):
    set_config(monkeypatch, app, "SEND_RETRY_DELAYS", "0")
    working = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    try:
        ids = _ids(tenant.sandbox.post("/messages/batch", json={"messages": BATCH}))
    finally:
        app.config["REDIS_URL"] = working
    drain()  # nothing was enqueued: the worker finds no job for them
    assert _statuses(app, ids) == ["queued"] * 3
    set_config(monkeypatch, app, "STALE_QUEUED_SECONDS", 0)
    with app.app_context():
        assert maintenance.sweep()["messages"] == 1  # one job sends the three
    drain()
    assert _statuses(app, ids) == ["delivered"] * 3
