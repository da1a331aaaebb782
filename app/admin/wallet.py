"""The console's wallet: balances, the ledger (filters, keyset paging) and CSV exports —
streamed at once when small, a job with a progress bar when large."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, redirect, request, stream_with_context, url_for
from flask_login import login_required

from app.admin.scope import console_scope, date_arg, fragment_or_page
from app.models import ENVIRONMENTS
from app.models.wallet import TRANSACTION_TYPES
from app.services.billing import ledger, wallet

bp = Blueprint("admin_wallet", __name__, url_prefix="/admin")


def _filters(errors: list[str]) -> dict:
    kind = request.args.get("type")
    return {"kind": kind if kind in TRANSACTION_TYPES else None,
            "since": date_arg("from", errors), "until": date_arg("to", errors)}


def _query() -> dict:
    return {k: request.args[k] for k in ("type", "from", "to") if request.args.get(k)}


@bp.get("/wallet")
@login_required
def index():
    """Both balances, and the ledger of the current environment (htmx: the next page)."""
    scope = console_scope()
    errors: list[str] = []
    filters = _filters(errors)
    page = ledger.page(scope.partner_id, scope.environment, **filters,
                       cursor=request.args.get("cursor") or None)
    balances = [wallet.get_wallet(scope.partner_id, env) for env in ENVIRONMENTS]
    return fragment_or_page("admin/wallet/index.html", "admin/wallet/_rows.html", scope=scope,
                            balances=balances, page=page, errors=errors, query=_query(),
                            types=TRANSACTION_TYPES)


@bp.get("/wallet/export.csv")
@login_required
def export():
    """The filtered ledger as CSV: at once up to CONSOLE_INLINE_EXPORT_ROWS rows; beyond,
    a page that starts the export as a job."""
    scope = console_scope()
    errors: list[str] = []
    filters = _filters(errors)
    rows = ledger.count(scope.partner_id, scope.environment, **filters)
    if rows > current_app.config["CONSOLE_INLINE_EXPORT_ROWS"]:
        return fragment_or_page("admin/wallet/export.html", None, scope=scope, rows=rows,
                                query=_query(), filters={
                                    "kind": filters["kind"],
                                    "since": filters["since"].isoformat()
                                    if filters["since"] else None,
                                    "until": filters["until"].isoformat()
                                    if filters["until"] else None})
    if errors:
        return redirect(url_for("admin_wallet.index", **_query()))
    name = f"ledger-{scope.environment}.csv"
    return Response(stream_with_context(ledger.csv_lines(scope.partner_id, scope.environment,
                                                         **filters)),
                    mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
