"""Events: `GET /events`, `GET /events/{id}`, `POST /events/{id}/redeliver`."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

from app.api.principal import Principal
from app.api.schemas import (
    Id,
    ListQuery,
    ListResponse,
    Rfc3339,
    Strict,
    Timestamp,
    page_response,
)
from app.api.surfaces import v1 as surface
from app.api.v1.webhook_endpoints import DeliveryOut, EventType
from app.services import events
from app.services.webhooks import log as webhook_log


class EventOut(BaseModel):
    id: Id
    object: Literal["event"]
    type: EventType
    created_at: Timestamp
    environment: Literal["live", "sandbox"]
    data: dict[str, Any] = Field(description="The object the event is about, as the API "
                                             "shows it (a message, a conversation, ...).")


class EventQuery(ListQuery):
    type: EventType | None = None
    created_gte: Rfc3339 | None = Field(None, description="Created at or after (RFC 3339).")
    created_lte: Rfc3339 | None = Field(None, description="Created at or before (RFC 3339).")


class Redeliver(Strict):
    endpoint_id: Id | None = Field(None, description="Only this endpoint; by default every "
                                                     "enabled endpoint that takes the event.")


TAGS = ("Events",)


@surface.endpoint("/events", "GET", summary="List events", tags=TAGS, query=EventQuery,
                  response=ListResponse[EventOut], errors=("invalid_cursor",))
def list_events(principal: Principal, query: EventQuery):
    """The environment's events, newest first: what was (or will be) sent to webhooks."""
    page = events.list_events(principal.partner_id, principal.environment,
                                event_type=query.type, created_gte=query.created_gte,
                                created_lte=query.created_lte, limit=query.limit,
                                cursor=query.cursor)
    return page_response(page, events.to_api)


@surface.endpoint("/events/<id>", "GET", summary="Get an event", tags=TAGS,
                  response=EventOut)
def get_event(principal: Principal, id: str):  # noqa: A002 - the URL's own name
    """One event: the webhook envelope, plus `object`."""
    return events.to_api(events.get(principal.partner_id, principal.environment, id))


@surface.endpoint("/events/<id>/redeliver", "POST", summary="Redeliver an event",
                  tags=TAGS, body=Redeliver, response=ListResponse[DeliveryOut], status=202,
                  errors=("conflict",))
def redeliver_event(principal: Principal, body: Redeliver, id: str):  # noqa: A002
    """Send the event again, as new deliveries, to every matching endpoint or to one."""
    deliveries = webhook_log.redeliver(principal.partner_id, principal.environment, id,
                                       body.endpoint_id)
    return {"object": "list", "data": webhook_log.deliveries_to_api(deliveries),
            "has_more": False, "next_cursor": None}

