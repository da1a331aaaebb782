"""Retention housekeeping."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from app.extensions import db
from app.models import IdempotencyRecord
from app.models.base import utcnow
from app.services import events, tx
from app.services.messaging import delivery
from app.services.webhooks import delivery as webhook_delivery

IDEMPOTENCY_RETENTION = timedelta(hours=24)


def purge_idempotency_records() -> int:
    """Delete idempotency records older than the retention; return how many went."""
    cutoff = utcnow() - IDEMPOTENCY_RETENTION
    result = db.session.execute(
        delete(IdempotencyRecord).where(IdempotencyRecord.created_at < cutoff)
    )
    tx.commit()
    return result.rowcount or 0


def sweep() -> dict:
    """Hand lost work back to the queues: messages stuck queued or past their lease,
    events not yet dispatched, webhook deliveries overdue or past their lease."""
    due = delivery.due_for_sweep()
    for message_id in due:
        delivery.schedule_attempt(message_id)
    events_due = events.due_for_dispatch()
    for event_id in events_due:
        events.schedule_dispatch(event_id)
    deliveries_due = webhook_delivery.deliveries_due_for_sweep()
    for delivery_id in deliveries_due:
        webhook_delivery.schedule_delivery(delivery_id)
    return {"messages": len(due), "events": len(events_due),
            "webhook_deliveries": len(deliveries_due)}
