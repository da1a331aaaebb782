"""Authentication for `/api/internal`: the admin UI's signed-in session plus its CSRF token.

The admin pages call these endpoints with the session cookie and send the page's CSRF token
(`{{ csrf_token() }}`) in `X-CSRFToken` on every mutating call. Operators belong to no
partner, so they are refused (403) until "acting as a partner" exists. The environment is
the one chosen in the UI's live/sandbox switch (`session["environment"]`, default live).
"""

from __future__ import annotations

import time

from flask import request, session
from flask_login import current_user
from flask_wtf.csrf import validate_csrf
from wtforms.validators import ValidationError

from app.api.principal import MUTATING, Principal
from app.errors import ApiError, problem, request_id
from app.extensions import db
from app.models import ENVIRONMENTS, Partner
from app.services import audit

CSRF_DETAIL = ("Missing or invalid CSRF token: send the page's token in the X-CSRFToken "
               "header.")


def authenticate_session() -> Principal:
    """The signed-in admin or agent, their partner and the session's environment."""
    if not current_user.is_authenticated:
        raise ApiError("invalid_token", "No signed-in session: sign in at /admin/login.")
    if request.method in MUTATING:
        try:
            validate_csrf(request.headers.get("X-CSRFToken") or request.form.get("csrf_token"))
        except ValidationError:
            raise ApiError("forbidden", CSRF_DETAIL) from None
    user = current_user
    if user.role == "operator" or user.partner_id is None:
        raise ApiError("forbidden", "Operators belong to no partner; sign in as one of the "
                       "partner's admins or agents.")
    partner = db.session.get(Partner, user.partner_id)
    if partner is None or partner.status != "active":
        raise ApiError("forbidden", "This partner account is suspended.")
    environment = session.get("environment", "live")
    if environment not in ENVIRONMENTS:
        raise ApiError("invalid_request", "The session's environment is not live or sandbox.")
    return Principal(partner_id=user.partner_id, environment=environment, actor=user.id,
                     surface="internal", user_id=user.id, role=user.role,
                     rate_limit=partner.rate_limit_for(environment))


def authenticate_operator() -> Principal:
    """A signed-in operator (platform staff). A call about one partner (`partner_id` in the
    path) is scoped to it, so its idempotency record and audit row belong to that partner."""
    if not current_user.is_authenticated:
        raise ApiError("invalid_token", "No signed-in session: sign in at /admin/login.")
    if request.method in MUTATING:
        try:
            validate_csrf(request.headers.get("X-CSRFToken") or request.form.get("csrf_token"))
        except ValidationError:
            raise ApiError("forbidden", CSRF_DETAIL) from None
    if current_user.role != "operator":
        raise ApiError("forbidden", "Only platform operators may do this.")
    partner_id = (request.view_args or {}).get("partner_id")
    if partner_id is not None and db.session.get(Partner, partner_id) is None:
        raise ApiError("not_found", f"No partner {partner_id}.", param="partner_id")
    return Principal(partner_id=partner_id, environment="live", actor=current_user.id,
                     surface="internal", user_id=current_user.id, role="operator")


def csrf_refused(_error):
    """Flask-WTF's CSRFProtect refused the call: a 403 problem, audited like any other call."""
    started = time.perf_counter()
    response = problem(ApiError("forbidden", CSRF_DETAIL))
    user = current_user if current_user.is_authenticated else None
    partner_id = user.partner_id if user is not None else None
    audit.record(
        request_id=request_id(), surface="internal", method=request.method, path=request.path,
        status=response.status_code, actor=user.id if user is not None else None,
        partner_id=partner_id,
        environment=session.get("environment", "live") if partner_id else None,
        ip=request.remote_addr, user_agent=request.headers.get("User-Agent"),
        latency_ms=int((time.perf_counter() - started) * 1000),
    )
    return response
