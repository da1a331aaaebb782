"""Authentication for `/api/v1`: `Authorization: Bearer ak_live_...` / `ak_test_...`."""

from __future__ import annotations

from flask import request

from app.api.principal import Principal
from app.errors import ApiError
from app.extensions import db
from app.models import Partner
from app.services.tenancy import keys


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer ...` header, if any."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def authenticate_api_key() -> Principal:
    """Resolve the bearer key to its partner and environment, or raise a 401 problem."""
    token = bearer_token()
    if token is None:
        raise ApiError("missing_api_key", headers={"WWW-Authenticate": 'Bearer realm="api"'})
    try:
        record = keys.authenticate(token)
    except keys.KeyFormatError:
        raise ApiError("invalid_api_key",
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
    except keys.UnknownKey:
        raise ApiError("invalid_api_key",
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
    except keys.RevokedKey:
        raise ApiError("revoked_api_key",
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}) from None
    partner = db.session.get(Partner, record.partner_id)
    if partner is None or partner.status != "active":
        raise ApiError("forbidden", "This partner account is suspended.")
    return Principal(partner_id=record.partner_id, environment=record.environment,
                     actor=record.id, surface="v1",
                     rate_limit=partner.rate_limit_for(record.environment),
                     touch_key=keys.use_is_stale(record))
