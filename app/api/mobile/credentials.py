"""How the credential endpoints (`/auth/token|refresh|revoke`) run: before any principal.

They cannot authenticate with what they hand out, so they are not `Surface` endpoints.
They share the pipeline's parts instead: the same limiter and rate-limit headers (counted
per client IP, before any password is checked), the same request validation, the same
problems and the same audit rows (surface `mobile`; the user as actor once known).
Their responses carry secrets, so they are never stored for `Idempotency-Key` replays and
are sent with `Cache-Control: no-store`, as OAuth 2.0 token responses are.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from flask import Response, current_app, g, json, request
from pydantic import BaseModel
from werkzeug.exceptions import HTTPException

from app.api import ratelimit, validation
from app.api.mobile import bp
from app.api.principal import Principal
from app.errors import ApiError, from_http_exception, problem, request_id
from app.extensions import db
from app.services import audit

# Sign-in attempts per minute from one client IP (MOBILE_AUTH_RATE_LIMIT).
DEFAULT_LIMIT = 20

Handler = Callable[[BaseModel], tuple[dict | None, int, Principal | None]]


def _ip_bucket() -> Principal:
    # The limiter counts per (partner_id, environment); here that pair names an IP bucket,
    # never a partner. Nothing else sees this principal.
    limit = int(current_app.config.get("MOBILE_AUTH_RATE_LIMIT", DEFAULT_LIMIT))
    return Principal(partner_id=f"ip:{request.remote_addr}", environment="mobile-auth",
                     actor="anonymous", surface="mobile", rate_limit=limit)


def credential_endpoint(rule: str, *, body: type[BaseModel]):
    """Register `handler(body) -> (dict | None, status, principal | None)` as a POST route."""

    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def view():
            return _run(handler, body)

        bp.add_url_rule(rule, endpoint=handler.__name__, view_func=view, methods=["POST"])
        return handler

    return decorate


def _run(handler: Handler, model: type[BaseModel]) -> Response:
    started = time.perf_counter()
    principal: Principal | None = None
    try:
        ratelimit.check(_ip_bucket())
        parsed = validation.parse_body(model, validation.raw_json_body())
        result, status, principal = handler(parsed)
        response = (Response(status=status) if result is None else
                    Response(json.dumps(result), status=status, mimetype="application/json"))
    except ApiError as error:
        db.session.rollback()
        response = problem(error)
    except HTTPException as error:
        response = problem(from_http_exception(error))
    except Exception:  # noqa: BLE001 - answered as a problem, logged with the request id
        db.session.rollback()
        current_app.logger.exception("unhandled error in %s %s (%s)", request.method,
                                     request.path, request_id())
        response = problem(ApiError("internal_error"))
    response.headers["Cache-Control"] = "no-store"
    for name, value in g.get("rate_limit_headers", {}).items():
        response.headers.setdefault(name, value)
    audit.record(
        request_id=request_id(), surface="mobile", method=request.method, path=request.path,
        status=response.status_code, actor=principal.actor if principal else None,
        partner_id=principal.partner_id if principal else None,
        environment=principal.environment if principal else None,
        object_ids=[principal.user_id] if principal and principal.user_id else [],
        ip=request.remote_addr, user_agent=request.headers.get("User-Agent"),
        latency_ms=int((time.perf_counter() - started) * 1000),
    )
    return response
