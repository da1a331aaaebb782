"""Who is looking at an admin page: the signed-in user, their partner and the environment
chosen with the live/sandbox switch; and how a page answers htmx and plain requests."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime

from flask import Response, abort, render_template, request, session
from flask_login import current_user

from app.errors import request_id
from app.extensions import db
from app.models import ENVIRONMENTS, Partner, User
from app.services import audit
from app.services.billing.usage import parse_time

# The session key of the partner an operator is looking at (read-only).
VIEWING = "viewing_partner"


@dataclass(frozen=True)
class Scope:
    user: User
    partner_id: str
    environment: str
    # An operator looking at a partner's console: every form is hidden, every API call
    # refused (operators have no partner principal on `/api/internal`).
    read_only: bool = False

    @property
    def is_admin(self) -> bool:
        return self.user.role == "admin"

    @property
    def partner(self) -> Partner:
        return db.session.get(Partner, self.partner_id)


def environment() -> str:
    """The environment the session works in (the switch in the top bar); live by default."""
    chosen = session.get("environment", "live")
    return chosen if chosen in ENVIRONMENTS else "live"


def current_scope() -> Scope:
    """The signed-in team member's partner and environment; 403 for operators."""
    user = current_user._get_current_object()
    if user.partner_id is None:
        abort(403, description="The inbox belongs to a partner's team; operators have the "
                               "console.")
    return Scope(user, user.partner_id, environment())


def fragment_or_page(page_template: str, fragment_template: str | None, /,
                     **context) -> Response:
    """The fragment for htmx requests (when there is one), else the whole page."""
    wants_fragment = (fragment_template is not None
                      and request.headers.get("HX-Request") == "true")
    response = Response(render_template(
        fragment_template if wants_fragment else page_template, **context))
    response.headers["Vary"] = "HX-Request"
    return response


def console_scope() -> Scope:
    """Who may see a partner's console page: the partner's admins; an operator read-only
    (the partner they chose to view, each page view audited); agents never (403)."""
    user = current_user._get_current_object()
    if user.role == "admin":
        return Scope(user, user.partner_id, environment())
    if user.role != "operator":
        abort(403, description="The console is for your team's admins; agents have the inbox.")
    partner_id = session.get(VIEWING)
    if not partner_id or db.session.get(Partner, partner_id) is None:
        abort(403, description="Choose a partner in the operator console to view its console.")
    started = time.perf_counter()
    audit.record(request_id=request_id(), surface="admin", method=request.method,
                 path=request.full_path.rstrip("?"), status=200, actor=user.id,
                 partner_id=partner_id, environment=environment(), object_ids=[partner_id],
                 ip=request.remote_addr, user_agent=request.headers.get("User-Agent"),
                 latency_ms=int((time.perf_counter() - started) * 1000))
    return Scope(user, partner_id, environment(), read_only=True)


def operator_only() -> User:
    """The signed-in operator; 403 for a partner's team."""
    user = current_user._get_current_object()
    if user.role != "operator":
        abort(403, description="The operator console is for platform staff.")
    return user


def date_arg(name: str, errors: list[str]) -> datetime | None:
    """A `YYYY-MM-DD` (or RFC 3339) filter from the query string; bad ones noted in `errors`."""
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return parse_time(raw)
    except ValueError:
        errors.append(f"{name}: use a date such as 2026-05-23.")
        return None
