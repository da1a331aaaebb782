"""The console's webhook endpoints: create (the secret answered once), edit, disable,
rotate, a test event, replay one delivery, and replay the failed ones since a time (a job).
Partner admins only; the same services as `/api/v1/webhook_endpoints`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.admin import presenters
from app.api.internal.keys import require_admin
from app.api.principal import Principal
from app.api.schemas import Strict
from app.api.surfaces import internal as surface
from app.api.v1.webhook_endpoints import EndpointCreate, EndpointUpdate, RotateSecret
from app.errors import ApiError
from app.services import progress
from app.services.billing.usage import parse_time
from app.services.webhooks import changes as endpoint_changes
from app.services.webhooks import endpoints as webhooks
from app.services.webhooks import log, testing

TAGS = ("Webhooks",)


class ReplaySince(Strict):
    since: str = Field(min_length=10, max_length=40,
                       description="RFC 3339 time or date: failed deliveries from then on.")


class JobOut(BaseModel):
    object: Literal["job"]
    id: str


@surface.endpoint("/webhook_endpoints", "POST", summary="Add a webhook endpoint", tags=TAGS,
                  body=EndpointCreate, status=201, errors=("invalid_webhook_url",),
                  secret_fields=("secret",),
                  html=presenters.secret("admin/webhooks/created.html"))
def create_endpoint(principal: Principal, body: EndpointCreate):
    """Add an endpoint; the answer carries its signing secret, shown this once."""
    require_admin(principal)
    created = webhooks.create(principal.partner_id, principal.environment, body.url,
                              body.description, body.event_types)
    return webhooks.with_secret_to_api(created)


@surface.endpoint("/webhook_endpoints/<id>", "POST", summary="Edit a webhook endpoint",
                  tags=TAGS, body=EndpointUpdate, errors=("invalid_webhook_url",),
                  html=presenters.back("Endpoint saved."))
def edit_endpoint(principal: Principal, body: EndpointUpdate, id: str):  # noqa: A002
    """Change the URL, description, event types or status (disable / enable)."""
    require_admin(principal)
    changes = body.model_dump(exclude_unset=True)
    endpoint = endpoint_changes.update(principal.partner_id, principal.environment, id, **changes)
    return webhooks.to_api(endpoint)


@surface.endpoint("/webhook_endpoints/<id>/rotate", "POST", summary="Rotate the secret",
                  tags=TAGS, body=RotateSecret, secret_fields=("secret",),
                  html=presenters.secret("admin/webhooks/created.html"))
def rotate_endpoint_secret(principal: Principal, body: RotateSecret, id: str):  # noqa: A002
    """A new secret, shown this once; the old one keeps signing during the overlap."""
    require_admin(principal)
    rotated = webhooks.rotate_secret(principal.partner_id, principal.environment, id,
                                     body.expires_in_hours)
    return webhooks.with_secret_to_api(rotated)


@surface.endpoint("/webhook_endpoints/<id>/test", "POST", summary="Send a test event",
                  tags=TAGS, status=202, errors=("conflict",),
                  html=presenters.back("Test event sent; its attempt appears in the log."))
def send_test_event(principal: Principal, id: str):  # noqa: A002
    """Deliver a `webhook.test` event to this endpoint alone."""
    require_admin(principal)
    delivery = testing.send_test(principal.partner_id, principal.environment, id)
    return log.deliveries_to_api([delivery])[0]


@surface.endpoint("/webhook_endpoints/<id>/deliveries/<delivery_id>/replay", "POST",
                  summary="Replay a delivery", tags=TAGS, status=202, errors=("conflict",),
                  html=presenters.back("Replayed: a new delivery of the same event."))
def replay_delivery(principal: Principal, id: str, delivery_id: str):  # noqa: A002
    """Deliver again the event of one finished delivery."""
    require_admin(principal)
    delivery = log.replay(principal.partner_id, principal.environment, id, delivery_id)
    return log.deliveries_to_api([delivery])[0]


@surface.endpoint("/webhook_endpoints/<id>/replay_failed", "POST",
                  summary="Replay failed deliveries since a time", tags=TAGS, body=ReplaySince,
                  response=JobOut, status=202, errors=("conflict",),
                  html=presenters.secret("admin/jobs/started.html"))
def replay_failed(principal: Principal, body: ReplaySince, id: str):  # noqa: A002
    """Start a job replaying every failed delivery since `since`; poll its progress."""
    require_admin(principal)
    try:
        since = parse_time(body.since)
    except ValueError as exc:
        raise ApiError("invalid_field", f"`since`: {exc}.", param="since") from None
    log.enabled(webhooks.get(principal.partner_id, principal.environment, id))
    job_id = progress.start("jobs.console.replay_failed", "replay of failed deliveries",
                            principal.partner_id, principal.environment, id,
                            since.isoformat())
    return {"object": "job", "id": job_id}
