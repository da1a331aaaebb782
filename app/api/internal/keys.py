"""The console's API keys: create (the key answered once), revoke, roll with an overlap.
Partner admins only; the stored idempotent answer never holds the key."""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from pydantic import BaseModel, Field

from app.admin import fragments, presenters
from app.api.principal import Principal
from app.api.schemas import Strict, Timestamp, prefixed_id
from app.api.surfaces import internal as surface
from app.errors import ApiError
from app.models import AccessKey
from app.models.base import isoformat, utcnow
from app.services.tenancy import keys

TAGS = ("Keys",)
MAX_OVERLAP_HOURS = 7 * 24


class KeyCreate(Strict):
    environment: Literal["live", "sandbox"]
    name: str | None = Field(None, max_length=200)


class KeyRoll(Strict):
    overlap_hours: int = Field(24, ge=0, le=MAX_OVERLAP_HOURS,
                               description="How long the old key keeps working.")


class KeyOut(BaseModel):
    id: prefixed_id("key")  # type: ignore[valid-type]
    object: Literal["access_key"]
    name: str | None
    environment: str
    masked: str
    created_at: Timestamp
    key: str | None = Field(None, description="The full key: in the creation answer only.")


def _key_list(principal: Principal) -> dict:
    """The refreshed key table shown next to a new key (an out-of-band swap)."""
    return {"keys": keys.list_keys(principal.partner_id), "now": utcnow(),
            "usable": keys.is_usable, "scope": fragments.scope_of(principal)}


def require_admin(principal: Principal) -> None:
    """Console changes are for the partner's admins."""
    if principal.role != "admin":
        raise ApiError("forbidden", "Only your team's admins can do this.")


def key_to_api(record: AccessKey, plaintext: str | None = None) -> dict:
    return {"id": record.id, "object": "access_key", "name": record.name,
            "environment": record.environment, "masked": record.masked,
            "created_at": isoformat(record.created_at),
            "expires_at": isoformat(record.expires_at),
            "revoked_at": isoformat(record.revoked_at), "key": plaintext}


@surface.endpoint("/keys", "POST", summary="Create an API key", tags=TAGS, body=KeyCreate,
                  response=KeyOut, status=201, secret_fields=("key",),
                  html=presenters.secret("admin/keys/created.html", _key_list))
def create_key(principal: Principal, body: KeyCreate):
    """Issue a key; the answer carries the full key, the only time it is ever shown."""
    require_admin(principal)
    issued = keys.create(principal.partner_id, body.environment, name=body.name)
    return key_to_api(issued.record, issued.plaintext)


@surface.endpoint("/keys/<id>/revoke", "POST", summary="Revoke an API key", tags=TAGS,
                  response=KeyOut, html=presenters.back("Key revoked: it no longer works."))
def revoke_key(principal: Principal, id: str):  # noqa: A002
    """Revoke a key at once."""
    require_admin(principal)
    record = keys.revoke(id, principal.partner_id)
    if record is None:
        raise ApiError("not_found", f"No key {id}.", param="id")
    return key_to_api(record)


@surface.endpoint("/keys/<id>/roll", "POST", summary="Roll an API key", tags=TAGS,
                  body=KeyRoll, response=KeyOut, status=201, secret_fields=("key",),
                  html=presenters.secret("admin/keys/created.html", _key_list))
def roll_key(principal: Principal, body: KeyRoll, id: str):  # noqa: A002
    """Issue a replacement; the old key keeps working for the overlap, then stops."""
    require_admin(principal)
    issued = keys.roll(id, principal.partner_id, timedelta(hours=body.overlap_hours))
    if issued is None:
        raise ApiError("not_found", f"No usable key {id} to roll.", param="id")
    return key_to_api(issued.record, issued.plaintext)
