"""The console's message templates, contacts (search, view, edit, erase) and canned
replies. Changes post to `/api/internal` like every console form."""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import login_required

from app.admin.scope import console_scope, fragment_or_page
from app.services.inbox import contacts, directory, threads
from app.services.messaging import templates

bp = Blueprint("admin_library", __name__, url_prefix="/admin")


@bp.get("/templates")
@login_required
def template_list():
    """The environment's templates and the form to add one."""
    scope = console_scope()
    found = templates.list_templates(scope.partner_id, scope.environment, limit=100,
                                     cursor=request.args.get("cursor") or None)
    return fragment_or_page("admin/library/templates.html", None, scope=scope, page=found,
                            channels=templates.TEMPLATE_CHANNELS)


@bp.get("/contacts")
@login_required
def contact_list():
    """Contacts, searched by name, external id or address (htmx: the rows)."""
    scope = console_scope()
    q = (request.args.get("q") or "").strip()[:200]
    page = directory.search(scope.partner_id, scope.environment, q or None,
                            cursor=request.args.get("cursor") or None)
    return fragment_or_page("admin/library/contacts.html", "admin/library/_contact_rows.html",
                            scope=scope, page=page, q=q)


@bp.get("/contacts/<contact_id>")
@login_required
def contact(contact_id: str):
    """One contact: identities, attributes, conversations; the edit and erase forms."""
    scope = console_scope()
    found = contacts.get(scope.partner_id, scope.environment, contact_id)
    return fragment_or_page("admin/library/contact.html", None, scope=scope, contact=found,
                            conversations=directory.conversations_of(
                                scope.partner_id, scope.environment, found.id))


@bp.get("/canned")
@login_required
def canned_list():
    """The team's canned replies, each editable, and the form to add one."""
    scope = console_scope()
    return fragment_or_page("admin/library/canned.html", None, scope=scope,
                            replies=threads.canned_replies(scope.partner_id, scope.environment))
