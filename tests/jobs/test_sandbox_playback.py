"""The sandbox's scripted receipts and replies survive a Redis restart: the sweeper plays
them again (found by the chaos run, tests/reliability/test_chaos.py)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.channels.gateways import StatusUpdate
from app.extensions import db, redis_connection
from app.models import Message
from app.services import maintenance
from app.services.messaging import callbacks, sending
from tests.helpers import set_config


def _sent_then_redis_lost(app, tenant, monkeypatch, to: str) -> str:
    """Send to `to` in the sandbox with receipts due a second later (delayed jobs in Redis:
    a receipt due at once is played by the send job itself), make the attempt, then lose
    Redis's contents (the queued receipt and reply with them) and let a minute pass (in the
    data). Receipts are due at once again afterwards, as in the other tests."""
    set_config(monkeypatch, app, "SANDBOX_RECEIPT_DELAY", 1.0)
    accepted = tenant.sandbox.post("/messages", json={"channel": "sms", "to": to,
                                                      "text": "lost in Redis"})
    assert accepted.status_code == 202, accepted.json
    with app.app_context():
        assert sending.attempt(accepted.json["id"]) == "sent"
        redis_connection.client.flushdb()
        message = db.session.get(Message, accepted.json["id"])
        message.status_changed_at -= timedelta(minutes=1)
        db.session.commit()
        db.session.remove()
    set_config(monkeypatch, app, "SANDBOX_RECEIPT_DELAY", 0.0)
    return accepted.json["id"]


def _status(app, message_id: str) -> str:
    with app.app_context():
        return db.session.get(Message, message_id).status


def _replies(app, message_id: str) -> list[str]:
    with app.app_context():
        return db.session.scalars(select(Message.text).where(
            Message.provider_message_id == f"sbx_in_{message_id}")).all()


def test_a_receipt_and_reply_lost_with_redis_are_played_again_once(app, tenant, drain,
                                                                   monkeypatch):
    set_config(monkeypatch, app, "STALE_QUEUED_SECONDS", 0)
    message_id = _sent_then_redis_lost(app, tenant, monkeypatch, "+15005550009")
    assert _status(app, message_id) == "sent"  # nothing left in Redis to deliver it
    with app.app_context():
        assert maintenance.sweep()["sandbox_callbacks"] == 1
    drain()
    assert _status(app, message_id) == "delivered"
    assert len(_replies(app, message_id)) == 1
    with app.app_context():
        assert maintenance.sweep()["sandbox_callbacks"] == 0  # nothing overdue any more


def test_a_lost_reply_alone_is_played_again(app, tenant, drain, monkeypatch):
    set_config(monkeypatch, app, "STALE_QUEUED_SECONDS", 0)
    message_id = _sent_then_redis_lost(app, tenant, monkeypatch, "+15005550009")
    with app.app_context():  # the receipt arrived; the reply was lost
        message = db.session.get(Message, message_id)
        callbacks.apply_status(message.gateway_id, StatusUpdate(f"sbx_{message_id}",
                                                                "delivered"))
        db.session.remove()
    assert _status(app, message_id) == "delivered" and _replies(app, message_id) == []
    with app.app_context():
        assert maintenance.sweep()["sandbox_callbacks"] == 1
    drain()
    assert len(_replies(app, message_id)) == 1


def test_a_recipient_without_receipts_is_not_swept_nor_an_early_one(app, tenant, drain,
                                                                    monkeypatch):
    set_config(monkeypatch, app, "STALE_QUEUED_SECONDS", 0)
    silent = _sent_then_redis_lost(app, tenant, monkeypatch, "+15005550004")  # never gets a receipt
    with app.app_context():
        assert maintenance.sweep()["sandbox_callbacks"] == 0
    set_config(monkeypatch, app, "STALE_QUEUED_SECONDS", 3600)  # not overdue yet
    waiting = _sent_then_redis_lost(app, tenant, monkeypatch, "+15005550006")
    with app.app_context():
        assert maintenance.sweep()["sandbox_callbacks"] == 0
    drain()
    assert _status(app, silent) == _status(app, waiting) == "sent"
