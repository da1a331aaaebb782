"""The event outbox: events are written in the transaction of the change they report.

Nothing here sends anything. Once the change commits, `record` makes sure a dispatch job
(`app.services.dispatch`, enqueued by name) is on its way; that job fans out every event
still undispatched, so a burst of events costs a few jobs, not one each. At most one such
job waits in the queue at a time (a Redis flag the job clears as it starts). An event whose
`dispatched_at` is still empty is due, so a crash or a Redis outage between commit and
dispatch loses nothing: the sweeper schedules the dispatch again.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

import redis
from flask import current_app
from sqlalchemy import select, update

from app.errors import ApiError
from app.extensions import db, redis_connection
from app.models import Event
from app.models.base import isoformat, utcnow
from app.services import tx
from app.services.pagination import Page, compare_up_to_second, paginate
from app.services.queue import enqueue_quietly

EVENT_TYPES = {
    "message.sent": "The gateway accepted the message.",
    "message.delivered": "The recipient's device or mailbox received the message.",
    "message.read": "The recipient read the message (channels with read receipts).",
    "message.failed": "The message failed for good; its charge was refunded.",
    "message.bounced": "The email bounced permanently; its charge was refunded.",
    "message.received": "An inbound message arrived from a contact.",
    "conversation.assigned": "A conversation was assigned to an agent (or unassigned).",
    "contact.identified": "An inbound message was matched to an existing contact.",
}
SWEEP_LIMIT = 500
# Set while a dispatch job waits in the queue; its TTL bounds a stale flag's delay.
DISPATCH_QUEUED = "switchboard:dispatch:queued"
DISPATCH_FLAG_TTL = 60


def record(partner_id: str, environment: str, event_type: str, data: dict,
           object_id: str | None = None) -> Event:
    """Add an event to the current transaction (it is dispatched when that commits)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type}")
    event = Event(partner_id=partner_id, environment=environment, type=event_type, data=data,
                  object_id=object_id or data.get("id"))
    db.session.add(event)  # flushed with the change it reports, at its commit
    tx.after_commit_once("events:dispatch", schedule_dispatch)
    return event


def schedule_dispatch() -> None:
    """Make sure a dispatch job is on its way: enqueue one unless one is already waiting."""
    try:
        if not redis_connection.client.set(DISPATCH_QUEUED, "1", nx=True, ex=DISPATCH_FLAG_TTL):
            return
    except redis.RedisError:
        current_app.logger.warning("could not schedule the event dispatch; the sweeper will")
        return
    if enqueue_quietly("jobs.events.dispatch_pending", queue="webhooks") is None:
        dispatch_starting()  # nothing is on its way after all


def dispatch_starting() -> None:
    """A dispatch job has started: events committed from now on schedule another one."""
    with contextlib.suppress(redis.RedisError):  # else the flag expires by itself
        redis_connection.client.delete(DISPATCH_QUEUED)


def undispatched(limit: int) -> list[str]:
    """Ids of committed events not yet dispatched, oldest first."""
    return list(db.session.scalars(select(Event.id).where(Event.dispatched_at.is_(None))
                                   .order_by(Event.id).limit(limit)))


def claim_for_dispatch(event_id: str) -> Event | None:
    """Mark the event dispatched, once; the event, or None when it already was."""
    claimed = db.session.execute(
        update(Event).where(Event.id == event_id, Event.dispatched_at.is_(None))
        .values(dispatched_at=utcnow()).execution_options(synchronize_session=False)).rowcount
    if not claimed:
        return None
    return db.session.get(Event, event_id, populate_existing=True)


def claim_many_for_dispatch(event_ids: list[str]) -> list[Event]:
    """Mark the events dispatched, each once (one UPDATE); those this call claimed, by id."""
    if not event_ids:
        return []
    claimed = db.session.scalars(
        update(Event).where(Event.id.in_(event_ids), Event.dispatched_at.is_(None))
        .values(dispatched_at=utcnow()).returning(Event),
        execution_options={"populate_existing": True}).all()
    return sorted(claimed, key=lambda event: event.id)


def due_for_dispatch(limit: int = SWEEP_LIMIT) -> list[str]:
    """Ids of committed events whose dispatch job was lost."""
    cutoff = utcnow() - timedelta(seconds=int(current_app.config["STALE_QUEUED_SECONDS"]))
    rows = db.session.scalars(select(Event.id).where(
        Event.dispatched_at.is_(None), Event.created_at <= cutoff).order_by(Event.id)
        .limit(limit)).all()
    tx.end_read()
    return list(rows)


def list_events(partner_id: str, environment: str, *, event_type: str | None = None,
                created_gte: datetime | None = None, created_lte: datetime | None = None,
                limit: int = 20, cursor: str | None = None) -> Page:
    """A page of events, newest first; times compare at the second shown."""
    statement = select(Event).where(Event.partner_id == partner_id,
                                    Event.environment == environment)
    if event_type is not None:
        statement = statement.where(Event.type == event_type)
    statement = compare_up_to_second(statement, Event.created_at, created_gte, created_lte)
    return paginate(statement, Event.id, limit, cursor)


def get(partner_id: str, environment: str, event_id: str) -> Event:
    """One event; 404 for another partner's or environment's."""
    event = db.session.scalar(select(Event).where(
        Event.partner_id == partner_id, Event.environment == environment,
        Event.id == event_id))
    if event is None:
        raise ApiError("not_found", f"No event {event_id}.", param="id")
    return event


def to_api(event: Event) -> dict:
    """The event as `GET /api/v1/events/{id}` shows it: the webhook envelope plus `object`."""
    return {"id": event.id, "object": "event", "type": event.type,
            "created_at": isoformat(event.created_at), "environment": event.environment,
            "data": event.data}
