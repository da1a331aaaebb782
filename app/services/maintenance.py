"""Retention housekeeping."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete

from app.extensions import db
from app.models import IdempotencyRecord
from app.models.base import utcnow
from app.services import tx

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
    """Hand lost work back to the queues: messages stuck queued or past their lease."""
    from app.services import delivery, sending

    due = delivery.due_for_sweep()
    for message_id in due:
        sending.schedule_attempt(message_id)
    return {"messages": len(due)}
