"""Webhook deliveries: fan-out from the outbox, claimed attempts, retries, the sweeper.

An event is fanned out once, by the dispatch step (`app.services.dispatch`): the UPDATE
that sets its `dispatched_at` is the claim, and the deliveries (one per matching enabled
endpoint) are written in that same transaction. A
delivery is `pending` until an attempt succeeds (`succeeded`) or the schedule ends
(`failed`). An attempt claims the delivery with one atomic UPDATE that sets a lease
(`next_attempt_at`) and counts the attempt, so no two workers send it at once; a worker
killed mid-attempt leaves the lease to expire and the sweeper enqueues it again.
The same transaction leases the endpoint (`busy_until`): at most one attempt is in flight
per endpoint, and a delivery that finds its endpoint busy stays due without counting an
attempt: the job in flight drains it, or wakes it when done (`wake_waiting`). The attempt's
HTTP exchange has a wall-clock deadline below the job timeout, and the job timeout is below
the lease (`attempt_deadline`).
Replays and redeliveries (`webhook_log`) are new deliveries of the same event. Each outcome
also moves the endpoint's failing streak (`outages`), which may disable the endpoint.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import InvalidToken
from flask import current_app
from sqlalchemy import and_, or_, select, update

from app.extensions import db
from app.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.models.base import utcnow
from app.services import tx
from app.services.queue import enqueue_quietly, lease_job_timeout
from app.services.webhooks import endpoints as webhooks
from app.services.webhooks import outages
from app.services.webhooks import sender as webhook_sender

RETRY_AFTER_CAP_SECONDS = 24 * 3600
SWEEP_LIMIT = 500
# The pending marker's kind for an endpoint's delivery job (`app.services.queue`).
MARKER = "webhook-endpoint"


# --- scheduling ----------------------------------------------------------------------------


def _lease_seconds() -> int:
    return int(current_app.config["WEBHOOK_LEASE_SECONDS"])


def schedule_delivery(delivery_id: str, endpoint_id: str, delay: float = 0) -> None:
    """Enqueue an attempt after `delay` seconds (a lost enqueue is left to the sweeper).

    The job drains the endpoint (`webhooks.drain`), so its pending marker names the
    endpoint: the sweeper leaves an endpoint alone while a job for it waits in the queue.
    """
    enqueue_quietly("jobs.webhooks.deliver", delivery_id, queue="webhooks", delay_seconds=delay,
                    job_timeout=lease_job_timeout(_lease_seconds()),
                    marker=(MARKER, endpoint_id))


def attempt_deadline() -> float:
    """Seconds the whole HTTP exchange of one attempt may take, start to last byte read.

    WEBHOOK_TIMEOUT_SECONDS, but never beyond four fifths of the job timeout (itself below
    the lease), which leaves the attempt time to record its outcome.
    """
    return min(float(current_app.config["WEBHOOK_TIMEOUT_SECONDS"]),
               lease_job_timeout(_lease_seconds()) * 0.8)


def retry_delays() -> tuple[float, ...]:
    """The configured schedule: the wait before each attempt, one entry per attempt."""
    return current_app.config["WEBHOOK_RETRY_DELAYS"] or (0.0,)


def _jittered(seconds: float) -> float:
    return seconds * random.uniform(0.8, 1.2) if seconds > 0 else 0.0


# --- fan-out -------------------------------------------------------------------------------


def fan_out(event: Event) -> list[str]:
    """The deliveries of a dispatched event to every enabled endpoint that takes it."""
    return fan_out_many([event])


def fan_out_many(events: list[Event]) -> list[str]:
    """The deliveries of dispatched events, each to every enabled endpoint that takes it:
    the endpoints read once per partner and environment, the deliveries written at once."""
    scopes: dict[tuple[str, str], list[WebhookEndpoint]] = {}
    for event in events:
        scope = (event.partner_id, event.environment)
        if scope not in scopes:
            scopes[scope] = list(db.session.scalars(select(WebhookEndpoint).where(
                WebhookEndpoint.partner_id == event.partner_id,
                WebhookEndpoint.environment == event.environment,
                WebhookEndpoint.status == "enabled").order_by(WebhookEndpoint.id)))
    return _create([(event, [e for e in scopes[(event.partner_id, event.environment)]
                             if subscribes(e, event.type)]) for event in events])


def subscribes(endpoint: WebhookEndpoint, event_type: str) -> bool:
    """Whether the endpoint's filter takes this event type (an empty filter takes all)."""
    return not endpoint.event_types or event_type in endpoint.event_types


def create_deliveries(event: Event, endpoints: list[WebhookEndpoint],
                      now: datetime | None = None) -> list[str]:
    """New pending deliveries of an event, enqueued once the caller's transaction commits."""
    return _create([(event, endpoints)], now)


def _create(fan: list[tuple[Event, list[WebhookEndpoint]]],
            now: datetime | None = None) -> list[str]:
    now = now or utcnow()
    first = retry_delays()[0]
    deliveries = [WebhookDelivery(partner_id=event.partner_id, environment=event.environment,
                                  event_id=event.id, endpoint_id=endpoint.id, status="pending",
                                  attempt_count=0, next_attempt_at=now + timedelta(seconds=first))
                  for event, endpoints in fan for endpoint in endpoints]
    if not deliveries:
        return []
    db.session.add_all(deliveries)
    db.session.flush()
    for delivery in deliveries:
        # One job per endpoint and transaction: it drains the endpoint's other due
        # deliveries too (`webhooks.drain`); any it leaves are still due for the sweeper.
        tx.after_commit_once(f"webhook-endpoint:{delivery.endpoint_id}",
                             lambda i=delivery.id, e=delivery.endpoint_id:
                             schedule_delivery(i, e, first))
    return [delivery.id for delivery in deliveries]


# --- one attempt ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Claimed:
    delivery_id: str
    attempt: int
    url: str
    message_id: str
    payload: str
    secrets: list[str]
    endpoint_id: str
    lease_end: datetime


def claim(delivery_id: str) -> Claimed | None:
    """Take a due delivery for one attempt, or None (done, leased, or not yet due)."""
    now = utcnow()
    lease_end = now + timedelta(seconds=_lease_seconds())
    endpoint_id = db.session.scalar(select(WebhookDelivery.endpoint_id).where(
        WebhookDelivery.id == delivery_id))
    if endpoint_id is None:
        tx.commit()
        return None
    if not lease_endpoint(endpoint_id, now, lease_end):
        # Another attempt to this endpoint is in flight, and its job drains the endpoint's
        # due deliveries when it is done, or wakes one of them (`wake_waiting`). This one
        # stays due, uncounted; enqueueing it again here would only add jobs that find the
        # endpoint busy in turn. Were that job killed, the sweeper hands the endpoint back.
        db.session.rollback()
        return None
    claimed = db.session.execute(
        update(WebhookDelivery)
        .where(WebhookDelivery.id == delivery_id, WebhookDelivery.status == "pending",
               or_(WebhookDelivery.next_attempt_at.is_(None),
                   WebhookDelivery.next_attempt_at <= now))
        .values(next_attempt_at=lease_end, attempt_count=WebhookDelivery.attempt_count + 1)
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        db.session.rollback()  # the endpoint's lease too: nothing will be sent
        return None
    delivery = db.session.get(WebhookDelivery, delivery_id, populate_existing=True)
    endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id, populate_existing=True)
    if endpoint.status != "enabled":
        delivery.attempt_count -= 1  # nothing was sent
        endpoint.busy_until = None
        _finish(delivery, "failed", "The endpoint is disabled.")
        tx.commit()
        return None
    try:
        secrets = webhooks.signing_secrets(endpoint, now)
    except InvalidToken:  # retrying cannot help until the configured keys are fixed
        delivery.attempt_count -= 1  # nothing was sent
        endpoint.busy_until = None
        _finish(delivery, "failed", "The endpoint's secret does not decrypt with the "
                "configured keys (was SECRET_KEY or GATEWAY_CREDENTIALS_KEY changed?).")
        tx.commit()
        return None
    event = db.session.get(Event, delivery.event_id)
    work = Claimed(delivery.id, delivery.attempt_count, endpoint.url, event.id,
                   webhook_sender.body(event), secrets, endpoint.id, lease_end)
    tx.commit()  # hold no lock while the endpoint answers
    return work


def lease_endpoint(endpoint_id: str, now: datetime, lease_end: datetime) -> bool:
    """Take the endpoint's one in-flight slot until `lease_end` (one UPDATE), or False."""
    return bool(db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id,
               or_(WebhookEndpoint.busy_until.is_(None), WebhookEndpoint.busy_until <= now))
        .values(busy_until=lease_end)
        .execution_options(synchronize_session=False)).rowcount)


def release_endpoint(work: Claimed) -> None:
    """End this attempt's lease on its endpoint, unless a later attempt holds it now."""
    db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == work.endpoint_id,
               WebhookEndpoint.busy_until <= work.lease_end)
        .values(busy_until=None)
        .execution_options(synchronize_session=False))


def wake_waiting(work: Claimed) -> None:
    """Enqueue the delivery that waited longest for the endpoint, if one is due: the
    deliveries that found the endpoint busy follow one job at a time, each woken by the
    previous (or drained by it: `webhooks.drain`)."""
    now = utcnow()
    waiting = db.session.scalar(
        select(WebhookDelivery.id)
        .where(WebhookDelivery.endpoint_id == work.endpoint_id,
               WebhookDelivery.status == "pending", WebhookDelivery.id != work.delivery_id,
               WebhookDelivery.next_attempt_at <= now)
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(1))
    if waiting is not None:
        tx.after_commit(lambda: schedule_delivery(waiting, work.endpoint_id))


def attempt(delivery_id: str) -> str:
    """Make one attempt at a delivery; return what happened (the job drains the endpoint
    from here: `webhooks.drain`)."""
    work = claim(delivery_id)
    if work is None:
        return "skipped"
    outcome = webhook_sender.post(work.url, work.message_id, work.payload, work.secrets,
                                  deadline=attempt_deadline())
    return record(work, outcome)


def record(work: Claimed, outcome: webhook_sender.Outcome, wake: bool = True) -> str:
    """Log the attempt and decide what follows: done, retry later, failed or disabled.

    The endpoint's lease ends; with `wake`, the delivery waiting longest for it is woken.
    """
    release_endpoint(work)
    if wake:
        wake_waiting(work)
    delivery = db.session.get(WebhookDelivery, work.delivery_id, with_for_update=True,
                              populate_existing=True)
    if delivery is None:
        tx.commit()
        return "deleted"  # the endpoint was deleted meanwhile
    db.session.add(WebhookAttempt(
        partner_id=delivery.partner_id, environment=delivery.environment,
        delivery_id=delivery.id, status_code=outcome.status_code,
        latency_ms=outcome.latency_ms, response_excerpt=outcome.excerpt, error=outcome.error))
    if delivery.status != "pending" or delivery.attempt_count != work.attempt:
        tx.commit()
        return "superseded"  # the lease ran out and another attempt took over
    delivery.last_status_code, delivery.last_error = outcome.status_code, outcome.error
    if outcome.succeeded:
        _finish(delivery, "succeeded", None)
        outages.note_success(delivery.endpoint_id)
        tx.commit()
        return "succeeded"
    if outcome.status_code == 410:
        endpoint = db.session.get(WebhookEndpoint, delivery.endpoint_id)
        outages.disable_automatically(
            endpoint, f"The endpoint answered 410 Gone to delivery {delivery.id}.")
        _finish(delivery, "failed", outcome.error)
        tx.commit()
        return "disabled"
    if outages.note_failure(delivery.endpoint_id):
        _finish(delivery, "failed", outcome.error)
        tx.commit()
        return "disabled"
    delays = retry_delays()
    if work.attempt >= len(delays):
        _finish(delivery, "failed", outcome.error)
        tx.commit()
        return "failed"
    delay = _jittered(delays[work.attempt])
    if outcome.retry_after is not None:
        delay = max(delay, min(outcome.retry_after, RETRY_AFTER_CAP_SECONDS))
    delivery.next_attempt_at = utcnow() + timedelta(seconds=delay)
    tx.after_commit(lambda: schedule_delivery(work.delivery_id, work.endpoint_id, delay))
    tx.commit()
    return "retrying"


def _finish(delivery: WebhookDelivery, status: str, error: str | None) -> None:
    delivery.status, delivery.next_attempt_at = status, None
    if error is not None:
        delivery.last_error = error


# --- the sweeper ---------------------------------------------------------------------------


def endpoints_due_for_sweep(limit: int = SWEEP_LIMIT) -> dict[str, str]:
    """Endpoints with a pending delivery overdue by the grace (a lost job or an expired
    lease), each with its most overdue delivery: {endpoint id: delivery id}.

    One job per endpoint is enough: it drains the endpoint's other due deliveries."""
    cutoff = utcnow() - timedelta(seconds=int(current_app.config["STALE_QUEUED_SECONDS"]))
    rows = db.session.execute(select(WebhookDelivery.endpoint_id, WebhookDelivery.id).where(and_(
        WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at.is_not(None),
        WebhookDelivery.next_attempt_at <= cutoff)).order_by(
        WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)).all()
    tx.end_read()
    oldest: dict[str, str] = {}
    for endpoint_id, delivery_id in rows:
        oldest.setdefault(endpoint_id, delivery_id)
    return oldest
