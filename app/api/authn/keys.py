"""Authentication for `/api/v1`: `Authorization: Bearer ak_live_...` / `ak_test_...`.

What a key resolves to (its partner, environment and rate limit) is cached per process, so
a busy key costs no database read: an entry lives while the `auth` epoch it was filled under
is current (app.services.cache_epoch: every committed change to a key or a partner sets a
new one, which the pipeline reads in the round trip of its per-IP limits), and never past
the key's own expiry. So a revoked key or a suspended partner is refused from the next
request on. Refused keys are never cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flask import request

from app.api.principal import Principal
from app.errors import ApiError
from app.extensions import db
from app.models import Partner
from app.models.base import utcnow
from app.services import tx
from app.services.cache_epoch import Cache
from app.services.tenancy import keys

_cache = Cache("auth")


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer ...` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


@dataclass
class _Resolved:
    principal: Principal
    expires_at: datetime | None
    last_used_at: datetime | None


def authenticate_api_key() -> Principal:
    """Resolve the bearer key to its partner and environment, or raise a 401 problem."""
    token = bearer_token()
    if token is None:
        raise ApiError("missing_api_key", headers={"WWW-Authenticate": 'Bearer realm="api"'})
    try:
        keys.parse(token)
    except keys.KeyFormatError:
        raise ApiError("invalid_api_key",
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
    digest = keys.hash_key(token)
    resolved = _cache.get(digest)
    if resolved is None or (resolved.expires_at is not None
                            and resolved.expires_at <= utcnow()):
        filled_under = _cache.filler()  # before reading: a change meanwhile wins
        resolved = _resolve(token)
        _cache.put(digest, resolved, filled_under)
    # The lookup's read ends first: `touch` may write on a connection of its own, and a
    # request holding two connections at once can starve the pool under concurrency.
    tx.end_read()
    used = keys.touch(resolved.principal.actor, resolved.last_used_at)
    if used is not None:
        resolved.last_used_at = used
    return resolved.principal


def _resolve(token: str) -> _Resolved:
    try:
        record = keys.authenticate(token)
    except keys.UnknownKey:
        raise ApiError("invalid_api_key",
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
    except keys.RevokedKey:
        raise ApiError("revoked_api_key",
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
    partner = db.session.get(Partner, record.partner_id)
    if partner is None or partner.status != "active":
        raise ApiError("forbidden", "This partner account is suspended.")
    principal = Principal(partner_id=record.partner_id, environment=record.environment,
                          actor=record.id, surface="v1",
                          rate_limit=partner.rate_limit_for(record.environment))
    return _Resolved(principal, record.expires_at, record.last_used_at)
