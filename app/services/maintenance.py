"""What every worker does between jobs: hand lost work back, and purge what has expired.

The sweep runs at each maintenance tick of every worker (SWEEP_INTERVAL_SECONDS). The purge
runs at most once per PURGE_INTERVAL_SECONDS across all workers (a Redis lease) and deletes
at most PURGE_BATCH rows of each kind per run, so a large backlog drains over several runs
without one long transaction:

- idempotency records past their 24 hours (the stored responses may hold secrets shown once);
- mobile app tokens whose refresh token expired, or that were revoked, more than
  MOBILE_TOKEN_RETENTION_DAYS ago;
- webhook attempt logs older than WEBHOOK_ATTEMPT_RETENTION_DAYS;
- audit rows older than AUDIT_RETENTION_DAYS.
"""

from __future__ import annotations

from datetime import timedelta

import redis
from flask import current_app
from sqlalchemy import delete, or_, select

from app.extensions import db, redis_connection
from app.models import AuditLog, IdempotencyRecord, MobileToken, WebhookAttempt
from app.models.base import utcnow
from app.services import events, idempotency, tx
from app.services.messaging import delivery
from app.services.webhooks import delivery as webhook_delivery

PURGE_LEASE_KEY = "switchboard:maintenance:purge"


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


def purge_if_due() -> dict | None:
    """Purge, unless another worker did so within PURGE_INTERVAL_SECONDS; the counts."""
    interval = int(current_app.config["PURGE_INTERVAL_SECONDS"])
    try:
        taken = redis_connection.client.set(PURGE_LEASE_KEY, "1", nx=True, ex=interval)
    except redis.RedisError:
        taken = True  # without Redis, two workers purging the same rows is harmless
    return purge() if taken else None


def purge() -> dict:
    """Delete one batch of each kind of expired row; how many of each went."""
    config = current_app.config
    now = utcnow()
    tokens_before = now - timedelta(days=int(config["MOBILE_TOKEN_RETENTION_DAYS"]))
    return {
        "idempotency_records": _delete_batch(
            IdempotencyRecord, IdempotencyRecord.created_at < now - idempotency.RETENTION),
        "mobile_tokens": _delete_batch(
            MobileToken, or_(MobileToken.refresh_expires_at < tokens_before,
                             MobileToken.revoked_at < tokens_before)),
        "webhook_attempts": _delete_batch(
            WebhookAttempt, WebhookAttempt.created_at
            < now - timedelta(days=int(config["WEBHOOK_ATTEMPT_RETENTION_DAYS"]))),
        "audit_rows": _delete_batch(
            AuditLog, AuditLog.created_at
            < now - timedelta(days=int(config["AUDIT_RETENTION_DAYS"]))),
    }


def _delete_batch(model, condition) -> int:
    """Delete at most PURGE_BATCH rows matching `condition`, in a transaction of its own."""
    batch = int(current_app.config["PURGE_BATCH"])
    ids = select(model.id).where(condition).order_by(model.id).limit(batch)
    deleted = db.session.execute(
        delete(model).where(model.id.in_(ids.scalar_subquery()))
        .execution_options(synchronize_session=False)).rowcount
    tx.commit()
    return deleted or 0
