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
from app.services import events, idempotency, queue, tx
from app.services.messaging import delivery, playback, sending
from app.services.webhooks import delivery as webhook_delivery

PURGE_LEASE_KEY = "switchboard:maintenance:purge"
SWEPT_KEY = "switchboard:maintenance:swept"


def sweep() -> dict:
    """Hand lost work back to the queues: messages stuck queued (one job sending the
    queued ones, unless one waits already) or past their lease,
    events not yet dispatched, endpoints with webhook deliveries overdue or past their
    lease, and the sandbox's scripted receipts and replies that a Redis restart lost.

    Work whose job still waits in a queue is left alone (its pending marker, see
    `app.services.queue`), and the rest is handed back once per STALE_QUEUED_SECONDS at
    most (`_not_swept_lately`)."""
    queued, leased = delivery.due_for_sweep()
    # Queued messages wait for the job that sends them a batch at a time: one is enough.
    batch_job = 1 if queued and delivery.schedule_sending() else 0
    due = _lost(delivery.MARKER, leased)
    for message_id in due:
        delivery.schedule_attempt(message_id)
    events_due = events.due_for_dispatch()
    if events_due:
        events.schedule_dispatch()
    endpoints_due = webhook_delivery.endpoints_due_for_sweep()
    endpoints = _lost(webhook_delivery.MARKER, list(endpoints_due))
    for endpoint_id in endpoints:
        webhook_delivery.schedule_delivery(endpoints_due[endpoint_id], endpoint_id)
    callbacks_due = _lost(sending.CALLBACK_MARKER, playback.callbacks_due())
    for message_id in callbacks_due:
        playback.play_again(message_id)
    return {"messages": batch_job + len(due), "events": len(events_due),
            "webhook_endpoints": len(endpoints), "sandbox_callbacks": len(callbacks_due)}


def _lost(kind: str, ids: list[str]) -> list[str]:
    """Those of `ids` with no job waiting for them, not handed back lately."""
    waiting = queue.waiting(kind, ids)
    return _not_swept_lately(kind, [item for item in ids if item not in waiting])


def _not_swept_lately(kind: str, ids: list[str]) -> list[str]:
    """The ids no sweep handed back within the last STALE_QUEUED_SECONDS.

    Work that looks lost may have a job that has just started, or one whose marker
    expired. Were it enqueued again by every sweep of every worker, the copies would grow
    the backlog faster than the workers drain it (the chaos run saw ten thousand jobs for a
    hundred messages); once per grace period bounds the copies, and a copy of work already
    done is skipped by its claim.
    Without Redis nothing can be enqueued anyway, so every id is returned.
    """
    if not ids:
        return ids
    grace = max(1, int(current_app.config["STALE_QUEUED_SECONDS"]))
    try:
        pipe = redis_connection.client.pipeline(transaction=False)
        for item in ids:
            pipe.set(f"{SWEPT_KEY}:{kind}:{item}", "1", nx=True, ex=grace)
        return [item for item, fresh in zip(ids, pipe.execute(), strict=True) if fresh]
    except redis.RedisError:
        return ids


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
