"""Changing a partner endpoint: its settings, disabling it, and enabling it again.

Enabling an endpoint that was disabled delivers what it missed, in the same transaction: a
new delivery of every already dispatched event it takes, created since its failing streak
began (or since it was disabled, when it was disabled without failing), that has no pending
or successful delivery to it. Events not yet dispatched need nothing: the dispatch step
finds the endpoint enabled. At most CATCH_UP_LIMIT events are caught up, oldest first; the
rest can be replayed from the delivery log ("all failed since").
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Event, WebhookDelivery, WebhookEndpoint
from app.services import tx
from app.services.webhooks import endpoints as webhooks
from app.services.webhooks.delivery import create_deliveries

CATCH_UP_LIMIT = 10_000


def update(partner_id: str, environment: str, endpoint_id: str, **changes) -> WebhookEndpoint:
    """Change url, description, event_types or status; enabling delivers what was missed."""
    endpoint = webhooks.get(partner_id, environment, endpoint_id)
    if "url" in changes:
        endpoint.url = webhooks.check_url(changes["url"])
    if "description" in changes:
        endpoint.description = changes["description"]
    if "event_types" in changes:
        endpoint.event_types = webhooks.checked_event_types(changes["event_types"])
    if changes.get("status") == "enabled" and endpoint.status != "enabled":
        since = missed_since(endpoint)
        endpoint.status, endpoint.disabled_reason = "enabled", None
        endpoint.disabled_at = endpoint.failing_since = None
        if since is not None:
            catch_up(endpoint, since)
    elif changes.get("status") == "disabled" and endpoint.status != "disabled":
        webhooks.disable(endpoint, "Disabled through the API.")
    tx.commit()
    return endpoint


def missed_since(endpoint: WebhookEndpoint) -> datetime | None:
    """Since when a disabled endpoint has been missing events: its streak, or its disabling."""
    found = [t for t in (endpoint.failing_since, endpoint.disabled_at) if t is not None]
    return min(found) if found else None


def catch_up(endpoint: WebhookEndpoint, since: datetime) -> int:
    """New deliveries to `endpoint` of the events it missed since `since`; how many."""
    kept = select(WebhookDelivery.id).where(
        WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.event_id == Event.id,
        WebhookDelivery.status.in_(("pending", "succeeded")))
    query = select(Event).where(
        Event.partner_id == endpoint.partner_id, Event.environment == endpoint.environment,
        Event.created_at >= since, Event.dispatched_at.is_not(None), ~kept.exists())
    if endpoint.event_types:
        query = query.where(Event.type.in_(endpoint.event_types))
    missed = db.session.scalars(query.order_by(Event.id).limit(CATCH_UP_LIMIT + 1)).all()
    if len(missed) > CATCH_UP_LIMIT:
        current_app.logger.warning("endpoint %s missed more than %d events: the oldest %d are "
                                   "delivered", endpoint.id, CATCH_UP_LIMIT, CATCH_UP_LIMIT)
    for event in missed[:CATCH_UP_LIMIT]:
        create_deliveries(event, [endpoint])
    return min(len(missed), CATCH_UP_LIMIT)
