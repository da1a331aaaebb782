"""The console's webhook endpoints: the list with the create form, and one endpoint's page
(edit, disable, rotate, test event, and its delivery log with replays)."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from flask_login import login_required

from app.admin.scope import console_scope, fragment_or_page
from app.services.events import EVENT_TYPES
from app.services.webhooks import endpoints as webhooks
from app.services.webhooks import log

bp = Blueprint("admin_webhooks", __name__, url_prefix="/admin")
DELIVERY_STATUSES = ("pending", "succeeded", "failed")


@bp.get("/webhooks")
@login_required
def index():
    """The partner's endpoints in the current environment, and the form to add one."""
    scope = console_scope()
    return fragment_or_page("admin/webhooks/index.html", None, scope=scope,
                            endpoints=webhooks.all_endpoints(scope.partner_id,
                                                             scope.environment),
                            event_types=EVENT_TYPES, disable_after_hours=_disable_after())


@bp.get("/webhooks/<endpoint_id>")
@login_required
def endpoint(endpoint_id: str):
    """One endpoint: its settings and its delivery log (htmx: the log's next page)."""
    scope = console_scope()
    found = webhooks.get(scope.partner_id, scope.environment, endpoint_id)
    status = request.args.get("status")
    status = status if status in DELIVERY_STATUSES else None
    return fragment_or_page("admin/webhooks/endpoint.html", "admin/webhooks/_deliveries.html",
                            scope=scope, endpoint=found, event_types=EVENT_TYPES,
                            statuses=DELIVERY_STATUSES, disable_after_hours=_disable_after(),
                            **_log(scope, found, status))


@bp.get("/webhooks/<endpoint_id>/log")
@login_required
def delivery_log(endpoint_id: str):
    """The first page of the log, polled while a delivery is pending: 204 while unchanged,
    and once nothing is pending, the log without its trigger (polling stops)."""
    scope = console_scope()
    found = webhooks.get(scope.partner_id, scope.environment, endpoint_id)
    context = _log(scope, found, None)
    if request.args.get("v") == context["version"]:
        return Response(status=204)
    return render_template("admin/webhooks/_log.html", scope=scope, endpoint=found, **context)


def _log(scope, endpoint, status: str | None) -> dict:
    cursor = request.args.get("cursor") or None
    page = log.list_deliveries(scope.partner_id, scope.environment, endpoint.id, status=status,
                               limit=25, cursor=cursor)
    version, pending = log.log_version(scope.partner_id, scope.environment, endpoint.id)
    return {"page": page, "deliveries": log.deliveries_to_api(page.items), "status": status,
            "version": version, "live": pending and status is None and cursor is None}


def _disable_after() -> float:
    return float(current_app.config["WEBHOOK_DISABLE_AFTER_HOURS"])
