"""The operator console: partners (create, balances, top-up, rate limits, suspend), and
looking at one partner's console read-only (each page view audited)."""

from __future__ import annotations

from flask import Blueprint, redirect, request, session, url_for
from flask_login import login_required

from app.admin.scope import VIEWING, environment, fragment_or_page, operator_only
from app.errors import request_id
from app.models import ENVIRONMENTS
from app.services import audit
from app.services.billing import wallet
from app.services.tenancy import partners

bp = Blueprint("admin_operator", __name__, url_prefix="/admin/operator")


@bp.get("/")
@login_required
def index():
    """Every partner with its two balances, and the form to create one."""
    operator_only()
    q = (request.args.get("q") or "").strip()[:200]
    return fragment_or_page("admin/operator/partners.html", None,
                            rows=partners.list_partners(q or None), q=q)


@bp.get("/partners/<partner_id>")
@login_required
def partner(partner_id: str):
    """One partner: balances, top-up, rate limits, suspension, and viewing its console."""
    operator_only()
    found = partners.get(partner_id)
    balances = [wallet.get_wallet(found.id, env) for env in ENVIRONMENTS]
    return fragment_or_page("admin/operator/partner.html", None, partner=found,
                            balances=balances)


@bp.post("/partners/<partner_id>/view")
@login_required
def view(partner_id: str):
    """Look at this partner's console, read-only, until "Stop viewing" (audited)."""
    user = operator_only()
    found = partners.get(partner_id)
    session[VIEWING] = found.id
    audit.record(request_id=request_id(), surface="admin", method="POST", path=request.path,
                 status=303, actor=user.id, partner_id=found.id, environment=environment(),
                 object_ids=[found.id], ip=request.remote_addr,
                 user_agent=request.headers.get("User-Agent"), latency_ms=0)
    return redirect(url_for("admin_keys.index"), code=303)


@bp.post("/stop-viewing")
@login_required
def stop_viewing():
    """Back to the operator console."""
    operator_only()
    session.pop(VIEWING, None)
    return redirect(url_for("admin_operator.index"), code=303)


