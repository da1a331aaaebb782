"""Webhook endpoints: the partner's own (API) and the platform's (operators), and secrets.

Each endpoint has a signing secret `whsec_<base64 of 32 random bytes>`, shown once (when
the endpoint is created and when the secret is rotated) and stored encrypted with the same
keys as gateway credentials. Rotating keeps the previous secret signing alongside the new
one until its overlap ends. The platform-side endpoint of a partner (`is_platform`) is set
by operators; the partner API neither lists nor changes it.
"""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy import update as sa_update

from app.errors import ApiError
from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint
from app.models.base import ENVIRONMENTS, isoformat, utcnow
from app.services import secretbox, tx
from app.services.events import EVENT_TYPES
from app.services.pagination import Page, paginate
from app.services.webhooks import ssrf

SECRET_PREFIX = "whsec_"  # noqa: S105 - the format's prefix, not a secret
SECRET_BYTES = 32
STATUSES = ("enabled", "disabled")
MAX_OVERLAP_HOURS = 7 * 24


@dataclass(frozen=True)
class WithSecret:
    """An endpoint and its new secret in clear: the one moment the secret is shown."""

    endpoint: WebhookEndpoint
    secret: str


# --- secrets -----------------------------------------------------------------------------


def new_secret() -> str:
    """A fresh signing secret in the Standard Webhooks format."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _seal(secret: str) -> str:
    return secretbox.seal(secret.encode()).decode("ascii")


def _unseal(sealed: str) -> str:
    return secretbox.open_(sealed.encode("ascii")).decode()


def signing_secrets(endpoint: WebhookEndpoint, now: datetime | None = None) -> list[str]:
    """The secrets a delivery is signed with: the current one, and the previous one while
    its rotation overlap lasts."""
    now = now or utcnow()
    found = [_unseal(endpoint.secret_encrypted)]
    if (endpoint.previous_secret_encrypted and endpoint.previous_secret_expires_at
            and endpoint.previous_secret_expires_at > now):
        found.append(_unseal(endpoint.previous_secret_encrypted))
    return found


# --- partner endpoints ---------------------------------------------------------------------


def check_url(url: str, param: str = "url") -> str:
    """The URL when it passes the SSRF rules; 422 `invalid_webhook_url` otherwise."""
    try:
        ssrf.check_url(url)
    except ssrf.UnsafeUrl as exc:
        raise ApiError("invalid_webhook_url", f"The URL {exc}.", param=param) from None
    return url


def checked_event_types(types: list[str] | None) -> list[str]:
    unknown = [t for t in types or [] if t not in EVENT_TYPES]
    if unknown:
        raise ApiError("invalid_field", f"Unknown event type {unknown[0]!r}; use one of "
                       f"{', '.join(EVENT_TYPES)}.", param="event_types")
    return list(dict.fromkeys(types or []))


def _scoped(partner_id: str, environment: str):
    return select(WebhookEndpoint).where(WebhookEndpoint.partner_id == partner_id,
                                         WebhookEndpoint.environment == environment,
                                         WebhookEndpoint.is_platform.is_(False))


def create(partner_id: str, environment: str, url: str, description: str | None = None,
           event_types: list[str] | None = None) -> WithSecret:
    """Add a partner endpoint; the result carries its secret, shown only now."""
    secret = new_secret()
    endpoint = WebhookEndpoint(partner_id=partner_id, environment=environment,
                               url=check_url(url), description=description,
                               event_types=checked_event_types(event_types),
                               secret_encrypted=_seal(secret), status="enabled",
                               is_platform=False)
    db.session.add(endpoint)
    tx.commit()
    return WithSecret(endpoint, secret)


def list_endpoints(partner_id: str, environment: str, limit: int, cursor: str | None) -> Page:
    """A page of the partner's endpoints in one environment, newest first."""
    return paginate(_scoped(partner_id, environment), WebhookEndpoint.id, limit, cursor)


def all_endpoints(partner_id: str, environment: str) -> list[WebhookEndpoint]:
    """Every partner endpoint of an environment (the platform's excluded), oldest first."""
    return list(db.session.scalars(_scoped(partner_id, environment)
                                   .order_by(WebhookEndpoint.id)))


def get(partner_id: str, environment: str, endpoint_id: str,
        param: str = "id") -> WebhookEndpoint:
    """One partner endpoint; 404 for another partner's, environment's or the platform's."""
    endpoint = db.session.scalar(_scoped(partner_id, environment)
                                 .where(WebhookEndpoint.id == endpoint_id))
    if endpoint is None:
        raise ApiError("not_found", f"No webhook endpoint {endpoint_id}.", param=param)
    return endpoint


def disable(endpoint: WebhookEndpoint, reason: str) -> None:
    """Stop delivering to an endpoint: its pending deliveries fail (replayable later).

    Flushed, not committed: the caller's transaction decides.
    """
    if endpoint.status != "disabled":
        endpoint.disabled_at = utcnow()
    endpoint.status, endpoint.disabled_reason = "disabled", reason[:200]
    error = ("The endpoint was disabled: " + reason)[:1000]
    db.session.execute(
        sa_update(WebhookDelivery)
        .where(WebhookDelivery.endpoint_id == endpoint.id, WebhookDelivery.status == "pending")
        .values(status="failed", next_attempt_at=None, last_error=error, updated_at=utcnow())
        .execution_options(synchronize_session=False))


def delete(partner_id: str, environment: str, endpoint_id: str) -> dict:
    """Remove an endpoint with its delivery log."""
    endpoint = get(partner_id, environment, endpoint_id)
    db.session.delete(endpoint)
    tx.commit()
    return {"id": endpoint_id, "object": "webhook_endpoint", "deleted": True}


def rotate_secret(partner_id: str, environment: str, endpoint_id: str,
                  expires_in_hours: float = 24) -> WithSecret:
    """Issue a new secret; the current one keeps signing for `expires_in_hours` (0: stops).

    Only one previous secret is kept: rotating again during an overlap ends that overlap.
    """
    endpoint = get(partner_id, environment, endpoint_id)
    secret = new_secret()
    if expires_in_hours > 0:
        endpoint.previous_secret_encrypted = endpoint.secret_encrypted
        endpoint.previous_secret_expires_at = utcnow() + timedelta(hours=expires_in_hours)
    else:
        endpoint.previous_secret_encrypted = endpoint.previous_secret_expires_at = None
    endpoint.secret_encrypted = _seal(secret)
    tx.commit()
    return WithSecret(endpoint, secret)


def to_api(endpoint: WebhookEndpoint) -> dict:
    """The webhook endpoint object; never its secrets."""
    return {"id": endpoint.id, "object": "webhook_endpoint", "url": endpoint.url,
            "description": endpoint.description, "event_types": list(endpoint.event_types),
            "status": endpoint.status, "disabled_reason": endpoint.disabled_reason,
            "disabled_at": isoformat(endpoint.disabled_at) if endpoint.disabled_at else None,
            "failing_since": isoformat(endpoint.failing_since) if endpoint.failing_since
            else None,
            "created_at": isoformat(endpoint.created_at),
            "updated_at": isoformat(endpoint.updated_at)}


def with_secret_to_api(created: WithSecret) -> dict:
    """The endpoint object plus `secret`: the create and rotate responses only."""
    out = to_api(created.endpoint) | {"secret": created.secret}
    if created.endpoint.previous_secret_expires_at is not None:
        out["previous_secret_expires_at"] = isoformat(
            created.endpoint.previous_secret_expires_at)
    return out


# --- the platform-side endpoint (operators) ------------------------------------------------


def set_platform_endpoint(partner_id: str, environment: str, url: str,
                          event_types: list[str] | None = None
                          ) -> tuple[WebhookEndpoint, str | None]:
    """Create or repoint a partner's platform-side endpoint (enabled); the secret is
    returned only when the endpoint is created."""
    if environment not in ENVIRONMENTS:
        raise ApiError("invalid_field", "`environment` is `live` or `sandbox`.",
                       param="environment")
    url, event_types = check_url(url), checked_event_types(event_types)
    endpoint = platform_endpoint(partner_id, environment)
    secret = None
    if endpoint is None:
        secret = new_secret()
        endpoint = WebhookEndpoint(partner_id=partner_id, environment=environment,
                                   is_platform=True, secret_encrypted=_seal(secret),
                                   description="Platform endpoint (set by operators)")
        db.session.add(endpoint)
    endpoint.url, endpoint.event_types = url, event_types
    endpoint.status, endpoint.disabled_reason = "enabled", None
    endpoint.disabled_at = endpoint.failing_since = None
    tx.commit()
    return endpoint, secret


def platform_endpoint(partner_id: str, environment: str) -> WebhookEndpoint | None:
    """The partner's platform-side endpoint in an environment, if operators set one."""
    return db.session.scalar(select(WebhookEndpoint).where(
        WebhookEndpoint.partner_id == partner_id, WebhookEndpoint.environment == environment,
        WebhookEndpoint.is_platform.is_(True)).order_by(WebhookEndpoint.id))


def remove_platform_endpoint(partner_id: str, environment: str) -> str | None:
    """Delete the partner's platform-side endpoint; its id, or None when there was none."""
    endpoint = platform_endpoint(partner_id, environment)
    if endpoint is None:
        return None
    db.session.delete(endpoint)
    tx.commit()
    return endpoint.id
