"""The console's audit log: actor, action, target, surface, request id, time; filters and
keyset paging. Both environments: the log is the partner's whole history."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import login_required

from app.admin.scope import console_scope, date_arg, fragment_or_page
from app.services import audit

bp = Blueprint("admin_audit", __name__, url_prefix="/admin")
SURFACES = ("v1", "mobile", "internal", "admin", "cli")


@bp.get("/audit")
@login_required
def index():
    """The partner's audit rows, newest first (htmx: the next page)."""
    scope = console_scope()
    errors: list[str] = []
    surface = request.args.get("surface")
    page = audit.page(scope.partner_id, actor=(request.args.get("actor") or "").strip() or None,
                      surface=surface if surface in SURFACES else None,
                      q=(request.args.get("q") or "").strip()[:200] or None,
                      since=date_arg("from", errors), until=date_arg("to", errors),
                      errors_only=request.args.get("errors") == "1",
                      cursor=request.args.get("cursor") or None)
    query = {k: v for k, v in request.args.items() if k != "cursor" and v}
    return fragment_or_page("admin/audit/index.html", "admin/audit/_rows.html", scope=scope,
                            page=page, errors=errors, query=query, surfaces=SURFACES)
