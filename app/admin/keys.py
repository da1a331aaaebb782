"""The console's API keys page: the list, and the forms that create, roll and revoke keys
through `/api/internal` (a new key appears once, in the answer to its form)."""

from __future__ import annotations

from flask import Blueprint
from flask_login import login_required

from app.admin.scope import console_scope, fragment_or_page
from app.models.base import utcnow
from app.services.tenancy import keys

bp = Blueprint("admin_keys", __name__, url_prefix="/admin")


@bp.get("/keys")
@login_required
def index():
    """Every key of the partner: name, environment, prefix and last four, dates."""
    scope = console_scope()
    return fragment_or_page("admin/keys/index.html", None, scope=scope,
                            keys=keys.list_keys(scope.partner_id), now=utcnow(),
                            usable=keys.is_usable)
