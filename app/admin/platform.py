"""The operator console's platform pages: gateways with their health (credentials never
shown), inbound routing on shared gateways, prices per channel and country code, and
evaluation requests."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import login_required

from app.admin.scope import fragment_or_page, operator_only
from app.channels import names as channel_names
from app.models.console import EVALUATION_STATUSES
from app.services.billing import prices
from app.services.messaging import gateway_health, routing
from app.services.tenancy import evaluations, partners

bp = Blueprint("admin_platform", __name__, url_prefix="/admin/operator")


@bp.get("/gateways")
@login_required
def gateways():
    """Every gateway: channel, provider, owner, status and health; the form to add one."""
    operator_only()
    return fragment_or_page("admin/operator/gateways.html", None,
                            rows=gateway_health.health(), channels=channel_names())


@bp.get("/routing")
@login_required
def inbound_routing():
    """Routes of shared gateways' receiving addresses, and the inbound messages held for
    addresses no route names (with the provider's raw payload)."""
    operator_only()
    return fragment_or_page("admin/operator/routing.html", None,
                            routes=routing.list_routes(), unrouted=routing.list_unrouted(),
                            gateways=routing.shared_gateways(),
                            partners=[row.partner for row in partners.list_partners(None)])


@bp.get("/prices")
@login_required
def price_table():
    """Unit prices per channel and country code: the registry's, and the operators' own."""
    operator_only()
    return fragment_or_page("admin/operator/prices.html", None, rows=prices.table(),
                            channels=channel_names())


@bp.get("/evaluations")
@login_required
def evaluation_list():
    """Evaluation requests (pending first by default), with approve and reject."""
    operator_only()
    status = request.args.get("status", "pending")
    status = status if status in EVALUATION_STATUSES else None
    return fragment_or_page("admin/operator/evaluations.html", None,
                            requests=evaluations.list_requests(status), status=status,
                            statuses=EVALUATION_STATUSES)
