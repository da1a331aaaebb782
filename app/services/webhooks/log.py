"""The delivery log of partner endpoints, and sending events again (redeliver, replay).

A redelivery or replay is a new delivery of the same event, with its own attempts and the
same `webhook-id`, so receivers that deduplicate on it stay idempotent. The platform-side
endpoint is out of reach of all of this: partners neither see its log nor replay to it.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from app.errors import ApiError
from app.extensions import db
from app.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.models.base import isoformat
from app.services import events, tx
from app.services.pagination import Page, paginate
from app.services.webhooks import endpoints as webhooks
from app.services.webhooks.delivery import create_deliveries, subscribes

REPLAY_BATCH = 1000


def list_deliveries(partner_id: str, environment: str, endpoint_id: str, *,
                    status: str | None = None, event_id: str | None = None, limit: int = 20,
                    cursor: str | None = None) -> Page:
    """A page of an endpoint's deliveries, newest first."""
    endpoint = webhooks.get(partner_id, environment, endpoint_id)
    statement = select(WebhookDelivery).where(
        WebhookDelivery.partner_id == partner_id, WebhookDelivery.environment == environment,
        WebhookDelivery.endpoint_id == endpoint.id)
    if status is not None:
        statement = statement.where(WebhookDelivery.status == status)
    if event_id is not None:
        statement = statement.where(WebhookDelivery.event_id == event_id)
    return paginate(statement, WebhookDelivery.id, limit, cursor)


def log_version(partner_id: str, environment: str, endpoint_id: str) -> tuple[str, bool]:
    """A validator of an endpoint's delivery log (it changes with any delivery), and whether
    a delivery is still pending (the log then keeps changing)."""
    endpoint = webhooks.get(partner_id, environment, endpoint_id)
    count, latest, pending = db.session.execute(
        select(func.count(WebhookDelivery.id), func.max(WebhookDelivery.updated_at),
               func.sum(case((WebhookDelivery.status == "pending", 1), else_=0)))
        .where(WebhookDelivery.endpoint_id == endpoint.id)).one()
    return f"{count}-{isoformat(latest) if latest else ''}-{pending or 0}", bool(pending)


def deliveries_to_api(deliveries: list[WebhookDelivery]) -> list[dict]:
    """Delivery objects with their attempts, loaded in two queries for the whole list."""
    ids = [d.id for d in deliveries]
    attempts = defaultdict(list)
    for row in db.session.scalars(select(WebhookAttempt).where(
            WebhookAttempt.delivery_id.in_(ids)).order_by(WebhookAttempt.id)):
        attempts[row.delivery_id].append(row)
    types = dict(db.session.execute(select(Event.id, Event.type).where(
        Event.id.in_({d.event_id for d in deliveries}))).all())
    return [_delivery_to_api(d, types.get(d.event_id), attempts[d.id]) for d in deliveries]


def _delivery_to_api(delivery: WebhookDelivery, event_type: str | None,
                     attempts: list[WebhookAttempt]) -> dict:
    return {
        "id": delivery.id, "object": "webhook_delivery", "endpoint_id": delivery.endpoint_id,
        "event_id": delivery.event_id, "event_type": event_type, "status": delivery.status,
        "attempt_count": delivery.attempt_count,
        "next_attempt_at": isoformat(delivery.next_attempt_at) if delivery.status == "pending"
        else None,
        "last_status_code": delivery.last_status_code, "last_error": delivery.last_error,
        "attempts": [{"id": a.id, "object": "webhook_attempt", "status_code": a.status_code,
                      "latency_ms": a.latency_ms, "response_excerpt": a.response_excerpt,
                      "error": a.error, "created_at": isoformat(a.created_at)}
                     for a in attempts],
        "created_at": isoformat(delivery.created_at),
        "updated_at": isoformat(delivery.updated_at),
    }


def enabled(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """The endpoint, if it is enabled; 409 otherwise (nothing is sent to a disabled one)."""
    if endpoint.status != "enabled":
        raise ApiError("conflict", f"Webhook endpoint {endpoint.id} is disabled; enable it "
                       "first.", param="id")
    return endpoint


def redeliver(partner_id: str, environment: str, event_id: str,
              endpoint_id: str | None = None) -> list[WebhookDelivery]:
    """Send an event again: to one endpoint, or to every enabled endpoint that takes it."""
    event = events.get(partner_id, environment, event_id)
    if endpoint_id is not None:
        endpoint = webhooks.get(partner_id, environment, endpoint_id, param="endpoint_id")
        if endpoint.status != "enabled" or not subscribes(endpoint, event.type):
            raise ApiError("conflict", f"Webhook endpoint {endpoint.id} is disabled or does "
                           f"not take {event.type} events.", param="endpoint_id")
        endpoints = [endpoint]
    else:
        endpoints = [e for e in webhooks.all_endpoints(partner_id, environment)
                     if e.status == "enabled" and subscribes(e, event.type)]
    created = create_deliveries(event, endpoints)
    tx.commit()
    return _load(created)


def replay(partner_id: str, environment: str, endpoint_id: str,
           delivery_id: str) -> WebhookDelivery:
    """Deliver again the event of one finished delivery of this endpoint."""
    endpoint = webhooks.get(partner_id, environment, endpoint_id)
    delivery = db.session.scalar(select(WebhookDelivery).where(
        WebhookDelivery.partner_id == partner_id, WebhookDelivery.environment == environment,
        WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.id == delivery_id))
    if delivery is None:
        raise ApiError("not_found", f"No delivery {delivery_id} of webhook endpoint "
                       f"{endpoint_id}.", param="delivery_id")
    enabled(endpoint)
    if delivery.status == "pending":
        raise ApiError("conflict", f"Delivery {delivery.id} is still pending.",
                       param="delivery_id")
    created = create_deliveries(db.session.get(Event, delivery.event_id), [endpoint])
    tx.commit()
    [new] = _load(created)
    return new


def replay_failed_since(partner_id: str, environment: str, endpoint_id: str,
                        since: datetime) -> tuple[int, bool]:
    """Deliver again each event whose latest delivery to this endpoint, made at or after
    `since`, failed: at most REPLAY_BATCH per call. Return how many, and whether more
    remain (the same call again replays the next batch)."""
    endpoint = enabled(webhooks.get(partner_id, environment, endpoint_id))
    newer = aliased(WebhookDelivery)
    failed = db.session.scalars(
        select(Event).join(WebhookDelivery, WebhookDelivery.event_id == Event.id).where(
            WebhookDelivery.partner_id == partner_id, WebhookDelivery.environment == environment,
            WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == "failed",
            WebhookDelivery.created_at >= since,
            ~select(newer.id).where(newer.endpoint_id == endpoint.id,
                                    newer.event_id == WebhookDelivery.event_id,
                                    newer.id > WebhookDelivery.id).exists(),
        ).order_by(Event.id).limit(REPLAY_BATCH + 1)).unique().all()
    for event in failed[:REPLAY_BATCH]:
        create_deliveries(event, [endpoint])
    tx.commit()
    return min(len(failed), REPLAY_BATCH), len(failed) > REPLAY_BATCH


def _load(ids: list[str]) -> list[WebhookDelivery]:
    rows = {d.id: d for d in db.session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))}
    return [rows[i] for i in ids]
