"""Authentication for `/api/mobile`: `Authorization: Bearer mat_...` (an agent's access token)."""

from __future__ import annotations

from app.api.authn.keys import bearer_token
from app.api.principal import Principal
from app.errors import ApiError
from app.extensions import db
from app.models import Partner
from app.services.mobile import tokens as mobile_tokens


def authenticate_mobile_token() -> Principal:
    """Resolve the access token to its user, partner and environment, or raise 401/403."""
    token = bearer_token()
    if token is None:
        raise ApiError("invalid_token", "Send the access token as `Authorization: Bearer "
                       "mat_...`; get one from POST /api/mobile/auth/token.",
                       headers={"WWW-Authenticate": 'Bearer realm="mobile"'})
    record, user = mobile_tokens.authenticate(token)
    partner = db.session.get(Partner, record.partner_id)
    return Principal(partner_id=record.partner_id, environment=record.environment,
                     actor=user.id, surface="mobile", user_id=user.id, role=user.role,
                     rate_limit=partner.rate_limit_for(record.environment))
