"""One delivery job drains its endpoint: the delivery it was enqueued for, then the
endpoint's other due deliveries, claimed and recorded a batch per transaction.

Fan-out enqueues one job per endpoint (`delivery.create_deliveries`), so a burst of events
costs a job per endpoint, not one per delivery. The rules of `delivery` hold for a batch as
for one: the claiming UPDATE leases every delivery of the batch and counts its attempt, and
leases the endpoint; a worker killed mid-batch leaves the leases to expire and the sweeper
enqueues what is still pending (webhooks are at least once; receivers dedupe on
`webhook-id`). The batch is sent one POST at a time on the kept-alive connection and stops
at the first failure or when the job's time runs short; the deliveries it did not send get
their attempt back and are due again. A failure is recorded by `delivery.record`, which
schedules its retry (or fails it, or disables the endpoint on 410).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import timedelta

from cryptography.fernet import InvalidToken
from flask import current_app
from sqlalchemy import bindparam, select, update

from app.extensions import db
from app.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.models.base import utcnow
from app.services import tx
from app.services.queue import lease_job_timeout
from app.services.webhooks import delivery, sender
from app.services.webhooks import endpoints as webhooks

BATCH = 25  # deliveries claimed and recorded per transaction
LIMIT = 500  # deliveries one job sends before it hands the endpoint over

_deliveries = WebhookDelivery.__table__
_SUCCEEDED = (update(_deliveries)
              .where(_deliveries.c.id == bindparam("b_id"), _deliveries.c.status == "pending",
                     _deliveries.c.attempt_count == bindparam("b_attempt"))
              .values(status="succeeded", next_attempt_at=None, last_error=None,
                      last_status_code=bindparam("b_code"), updated_at=bindparam("b_now")))
_UNSENT = (update(_deliveries)
           .where(_deliveries.c.id == bindparam("b_id"), _deliveries.c.status == "pending",
                  _deliveries.c.attempt_count == bindparam("b_attempt"))
           .values(attempt_count=_deliveries.c.attempt_count - 1,
                   next_attempt_at=bindparam("b_now"), updated_at=bindparam("b_now")))


def deliver(delivery_id: str) -> str:
    """Attempt the delivery, then drain its endpoint while attempts succeed; a summary."""
    work = delivery.claim(delivery_id)
    if work is None:
        return "skipped"
    started, budget = time.monotonic(), _budget()
    outcome = sender.post(work.url, work.message_id, work.payload, work.secrets,
                          deadline=delivery.attempt_deadline())
    first = delivery.record(work, outcome, wake=False)
    sent, last = 1, work
    while first == "succeeded" and sent < LIMIT and time.monotonic() - started < budget:
        batch = claim_batch(work.endpoint_id, min(BATCH, LIMIT - sent))
        if batch is None:
            break
        outcomes = []
        for item in batch.items:
            if time.monotonic() - started >= budget:
                break
            outcomes.append(sender.post(item.url, item.message_id, item.payload,
                                        item.secrets, deadline=delivery.attempt_deadline()))
            if not outcomes[-1].succeeded:
                break
        record_batch(batch, outcomes)
        sent, last = sent + len(outcomes), batch.items[0]
        if not outcomes or not outcomes[-1].succeeded:
            break
    delivery.wake_waiting(last, since=work.lease_end)
    tx.commit()
    return first if sent == 1 else f"{first}, then {sent - 1} more to the endpoint"


def _lease() -> int:
    return int(current_app.config["WEBHOOK_LEASE_SECONDS"])


def _budget() -> float:
    """Seconds a job may keep sending: its timeout's four fifths, less one attempt."""
    return lease_job_timeout(_lease()) * 0.8 - delivery.attempt_deadline()


@dataclass(frozen=True)
class Batch:
    partner_id: str
    environment: str
    items: list[delivery.Claimed]


def claim_batch(endpoint_id: str, limit: int) -> Batch | None:
    """Lease the endpoint and up to `limit` of its due deliveries, oldest first (one
    transaction); None when none is due or the endpoint is busy, disabled or unreadable."""
    now = utcnow()
    lease_end = now + timedelta(seconds=_lease())
    if not delivery.lease_endpoint(endpoint_id, now, lease_end):
        db.session.rollback()
        return None
    due = select(WebhookDelivery.id).where(
        WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.status == "pending",
        WebhookDelivery.next_attempt_at <= now).order_by(
        WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(db.session.scalars(due))
    endpoint = db.session.get(WebhookEndpoint, endpoint_id, populate_existing=True)
    try:
        secrets = webhooks.signing_secrets(endpoint, now) if endpoint.status == "enabled" \
            else None
    except InvalidToken:
        secrets = None  # the single attempts (or the sweeper's) fail them with the reason
    if not ids or secrets is None:
        db.session.rollback()  # the endpoint's lease too
        return None
    db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id.in_(ids), WebhookDelivery.status == "pending",
               WebhookDelivery.next_attempt_at <= now)
        .values(next_attempt_at=lease_end, attempt_count=WebhookDelivery.attempt_count + 1)
        .execution_options(synchronize_session=False))
    claimed = db.session.execute(
        select(WebhookDelivery.id, WebhookDelivery.attempt_count, Event)
        .join(Event, Event.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.id.in_(ids), WebhookDelivery.next_attempt_at == lease_end)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)).all()
    batch = Batch(endpoint.partner_id, endpoint.environment, [
        delivery.Claimed(delivery_id, attempt, endpoint.url, event.id, sender.body(event),
                         secrets, endpoint_id, lease_end)
        for delivery_id, attempt, event in claimed])
    tx.commit()  # hold no lock while the endpoint answers
    return batch if batch.items else None


def record_batch(batch: Batch, outcomes: list[sender.Outcome]) -> None:
    """Log the batch's attempts; succeeded ones are done, unsent ones due again, and a
    failure goes through `delivery.record` (retry, fail or disable)."""
    now = utcnow()
    delivery.release_endpoint(batch.items[0])
    done = [(work, outcome) for work, outcome in zip(batch.items, outcomes, strict=False)
            if outcome.succeeded]
    db.session.add_all([WebhookAttempt(
        partner_id=batch.partner_id, environment=batch.environment,
        delivery_id=work.delivery_id,
        status_code=outcome.status_code, latency_ms=outcome.latency_ms,
        response_excerpt=outcome.excerpt, error=outcome.error) for work, outcome in done])
    if done:
        db.session.execute(_SUCCEEDED, [
            {"b_id": work.delivery_id, "b_attempt": work.attempt, "b_code": outcome.status_code,
             "b_now": now} for work, outcome in done])
    unsent = batch.items[len(outcomes):]
    if unsent:
        db.session.execute(_UNSENT, [{"b_id": work.delivery_id, "b_attempt": work.attempt,
                                      "b_now": now} for work in unsent])
    tx.commit()
    if outcomes and not outcomes[-1].succeeded:
        delivery.record(batch.items[len(outcomes) - 1], outcomes[-1], wake=False)
