"""Webhook endpoints: create, list, get, update, delete, rotate the secret; the delivery
log and replays."""

from __future__ import annotations

from typing import Annotated, Literal

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
from app.models.base import isoformat
from app.services.events import EVENT_TYPES
from app.services.webhooks import changes as endpoint_changes
from app.services.webhooks import endpoints as webhooks
from app.services.webhooks import log as webhook_log

EventType = Literal[tuple(EVENT_TYPES)]  # type: ignore[valid-type]
Url = Annotated[str, Field(min_length=1, max_length=2000,
                           examples=["https://example.com/webhooks/switchboard"],
                           description="https only; it must resolve to public internet "
                                       "addresses. Redirects are not followed.")]
Description = Annotated[str, Field(max_length=500, examples=["Order system"])]
EventTypes = Annotated[list[EventType], Field(
    max_length=len(EVENT_TYPES), examples=[["message.delivered", "message.failed"]],
    description="The event types sent to this endpoint; empty (the default): all of them.")]
TAGS = ("Webhooks",)
TAKEN = ("invalid_webhook_url",)


class EndpointCreate(Strict):
    url: Url
    description: Description | None = None
    event_types: EventTypes = Field(default_factory=list)


class EndpointUpdate(Strict):
    """Only the fields given change. Enabling an endpoint clears `disabled_reason`."""

    url: Url = None
    description: Description | None = None
    event_types: EventTypes = None
    status: Literal["enabled", "disabled"] = None


class RotateSecret(Strict):
    expires_in_hours: float = Field(
        24, ge=0, le=webhooks.MAX_OVERLAP_HOURS,
        description="How long the current secret keeps signing next to the new one "
                    f"(0 to {webhooks.MAX_OVERLAP_HOURS}; 0 stops it at once).")


class EndpointOut(BaseModel):
    id: Id
    object: Literal["webhook_endpoint"]
    url: str
    description: str | None
    event_types: list[EventType]
    status: Literal["enabled", "disabled"]
    disabled_reason: str | None
    disabled_at: Timestamp | None = Field(
        description="When the endpoint was disabled; null while it is enabled.")
    failing_since: Timestamp | None = Field(
        description="The first failure of the current unbroken failing streak; null once a "
                    "delivery succeeds. A streak of WEBHOOK_DISABLE_AFTER_HOURS (5 days) "
                    "disables the endpoint.")
    created_at: Timestamp
    updated_at: Timestamp


class EndpointWithSecret(EndpointOut):
    secret: str = Field(pattern=r"^whsec_[A-Za-z0-9+/]+={0,2}$",
                        description="The signing secret, shown only in this response.")
    previous_secret_expires_at: Timestamp | None = Field(
        None, description="Rotation: when the previous secret stops signing.")


class EndpointDeleted(BaseModel):
    id: Id
    object: Literal["webhook_endpoint"]
    deleted: Literal[True]


class AttemptOut(BaseModel):
    id: Id
    object: Literal["webhook_attempt"]
    status_code: int | None
    latency_ms: int | None = Field(ge=0)
    response_excerpt: str | None = Field(description="The first KB of the response body.")
    error: str | None
    created_at: Timestamp


DeliveryStatus = Literal["pending", "succeeded", "failed"]


class DeliveryOut(BaseModel):
    id: Id
    object: Literal["webhook_delivery"]
    endpoint_id: Id
    event_id: Id
    event_type: EventType | None
    status: DeliveryStatus
    attempt_count: int = Field(ge=0)
    next_attempt_at: Timestamp | None
    last_status_code: int | None
    last_error: str | None
    attempts: list[AttemptOut]
    created_at: Timestamp
    updated_at: Timestamp


class DeliveryQuery(ListQuery):
    status: DeliveryStatus | None = None
    event_id: Id | None = None


class ReplaySince(Strict):
    since: Rfc3339 = Field(description="Replay the failed deliveries made at or after this "
                                       "time (RFC 3339).")


class ReplayOut(BaseModel):
    object: Literal["webhook_replay"]
    endpoint_id: Id
    since: Timestamp
    replayed: int = Field(ge=0, description="How many events are being delivered again.")
    has_more: bool = Field(description="More remain: repeat the call for the next batch.")


@surface.endpoint("/webhook_endpoints", "POST", summary="Create a webhook endpoint",
                  tags=TAGS, body=EndpointCreate, response=EndpointWithSecret, status=201,
                  errors=TAKEN)
def create_endpoint(principal: Principal, body: EndpointCreate):
    """Add an endpoint; the response carries its signing secret, never shown again."""
    created = webhooks.create(principal.partner_id, principal.environment, body.url,
                              body.description, body.event_types)
    return webhooks.with_secret_to_api(created)


@surface.endpoint("/webhook_endpoints", "GET", summary="List webhook endpoints",
                  tags=TAGS, query=ListQuery, response=ListResponse[EndpointOut],
                  errors=("invalid_cursor",))
def list_endpoints(principal: Principal, query: ListQuery):
    """The environment's endpoints, newest first."""
    page = webhooks.list_endpoints(principal.partner_id, principal.environment, query.limit,
                                   query.cursor)
    return page_response(page, webhooks.to_api)


@surface.endpoint("/webhook_endpoints/<id>", "GET", summary="Get a webhook endpoint",
                  tags=TAGS, response=EndpointOut)
def get_endpoint(principal: Principal, id: str):  # noqa: A002 - the URL's own name
    """One endpoint (its secret is never shown again)."""
    return webhooks.to_api(webhooks.get(principal.partner_id, principal.environment, id))


@surface.endpoint("/webhook_endpoints/<id>", "PATCH", summary="Update a webhook endpoint",
                  tags=TAGS, body=EndpointUpdate, response=EndpointOut, errors=TAKEN)
def update_endpoint(principal: Principal, body: EndpointUpdate, id: str):  # noqa: A002
    """Change the URL, description, event filter or status; enabling a disabled endpoint
    delivers the events it missed."""
    changes = {field: getattr(body, field) for field in body.model_fields_set}
    endpoint = endpoint_changes.update(principal.partner_id, principal.environment, id, **changes)
    return webhooks.to_api(endpoint)


@surface.endpoint("/webhook_endpoints/<id>", "DELETE", summary="Delete a webhook endpoint",
                  tags=TAGS, response=EndpointDeleted)
def delete_endpoint(principal: Principal, id: str):  # noqa: A002
    """Remove an endpoint and its delivery log; nothing more is sent to it."""
    return webhooks.delete(principal.partner_id, principal.environment, id)


@surface.endpoint("/webhook_endpoints/<id>/rotate_secret", "POST",
                  summary="Rotate a webhook endpoint's secret", tags=TAGS, body=RotateSecret,
                  response=EndpointWithSecret)
def rotate_secret(principal: Principal, body: RotateSecret, id: str):  # noqa: A002
    """Issue a new secret; the old one keeps signing alongside it for the overlap."""
    rotated = webhooks.rotate_secret(principal.partner_id, principal.environment, id,
                                     body.expires_in_hours)
    return webhooks.with_secret_to_api(rotated)


@surface.endpoint("/webhook_endpoints/<id>/deliveries", "GET",
                  summary="List an endpoint's deliveries", tags=TAGS, query=DeliveryQuery,
                  response=ListResponse[DeliveryOut], errors=("invalid_cursor",))
def list_deliveries(principal: Principal, query: DeliveryQuery, id: str):  # noqa: A002
    """The delivery log, newest first: each delivery with every attempt."""
    page = webhook_log.list_deliveries(principal.partner_id, principal.environment, id,
                                       status=query.status, event_id=query.event_id,
                                       limit=query.limit, cursor=query.cursor)
    return {"object": "list", "data": webhook_log.deliveries_to_api(page.items),
            "has_more": page.has_more, "next_cursor": page.next_cursor}


@surface.endpoint("/webhook_endpoints/<id>/deliveries/<delivery_id>/replay", "POST",
                  summary="Replay a delivery", tags=TAGS, response=DeliveryOut, status=202,
                  errors=("conflict",))
def replay_delivery(principal: Principal, id: str, delivery_id: str):  # noqa: A002
    """Deliver the delivery's event again to this endpoint, as a new delivery."""
    delivery = webhook_log.replay(principal.partner_id, principal.environment, id,
                                  delivery_id)
    return webhook_log.deliveries_to_api([delivery])[0]


@surface.endpoint("/webhook_endpoints/<id>/replay", "POST",
                  summary="Replay failed deliveries since a time", tags=TAGS, body=ReplaySince,
                  response=ReplayOut, status=202, errors=("conflict",))
def replay_failed(principal: Principal, body: ReplaySince, id: str):  # noqa: A002
    """Deliver again every event whose latest delivery here since `since` failed."""
    since = body.since
    count, more = webhook_log.replay_failed_since(principal.partner_id, principal.environment,
                                                  id, since)
    return {"object": "webhook_replay", "endpoint_id": id, "since": isoformat(since),
            "replayed": count, "has_more": more}
