"""The console's webhook endpoints: the list with the create form, and one endpoint's page
(edit, disable, rotate, test event, and its delivery log with replays)."""

from __future__ import annotations

from flask import Blueprint, request
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
                            event_types=EVENT_TYPES)


@bp.get("/webhooks/<endpoint_id>")
@login_required
def endpoint(endpoint_id: str):
    """One endpoint: its settings and its delivery log (htmx: the log's next page)."""
    scope = console_scope()
    found = webhooks.get(scope.partner_id, scope.environment, endpoint_id)
    status = request.args.get("status")
    status = status if status in DELIVERY_STATUSES else None
    page = log.list_deliveries(scope.partner_id, scope.environment, found.id, status=status,
                               limit=25, cursor=request.args.get("cursor") or None)
    return fragment_or_page(
        "admin/webhooks/endpoint.html", "admin/webhooks/_deliveries.html", scope=scope,
        endpoint=found, event_types=EVENT_TYPES, page=page,
        deliveries=log.deliveries_to_api(page.items), status=status,
        statuses=DELIVERY_STATUSES)
