"""The agents' inbox: the conversation list, a thread with live updates, and the contact.

Every page is whole HTML that works without JavaScript; with htmx the same URLs answer only
the fragment that changes (`HX-Request`, with `Vary: HX-Request`). Everything that changes
something posts to `/api/internal` (see `app.api.internal`), so it passes the one pipeline.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request, url_for
from flask_login import current_user, login_required

from app.admin import fragments
from app.admin.scope import Scope, current_scope, fragment_or_page
from app.channels import count_segments
from app.channels import names as channel_names
from app.services.inbox import conversations, threads
from app.services.messaging import messages

bp = Blueprint("admin_inbox", __name__, url_prefix="/admin")
FILTERS = ("view", "status", "channel", "q")


def _filters() -> dict:
    """The list's filters from the query string, checked (unknown values are dropped)."""
    view = request.args.get("view", "all")
    status = request.args.get("status", "open")
    channel = request.args.get("channel") or None
    return {"view": view if view in threads.VIEWS else "all",
            "status": status if status in (*threads.STATUSES, "any") else "open",
            "channel": channel if channel in channel_names() else None,
            "q": (request.args.get("q") or "").strip()[:200]}


def _rows(scope: Scope, filters: dict, cursor: str | None):
    return threads.list_rows(scope.partner_id, scope.environment, scope.user.id,
                             view=filters["view"],
                             status=None if filters["status"] == "any" else filters["status"],
                             channel=filters["channel"], q=filters["q"] or None,
                             cursor=cursor)


def _list_context(scope: Scope, selected: str | None = None) -> dict:
    filters = _filters()
    page = _rows(scope, filters, request.args.get("cursor") or None)
    query = {k: v for k, v in filters.items() if v}
    return {"filters": filters, "page": page, "query": query, "selected": selected,
            "channels": channel_names()}


@bp.get("/inbox")
@login_required
def index():
    """The inbox: filters and the conversation list (the thread pane empty)."""
    scope = current_scope()
    context = _list_context(scope)
    return fragment_or_page("admin/inbox/index.html", "admin/inbox/_rows.html",
                            scope=scope, **context)


@bp.get("/conversations/<conversation_id>")
@login_required
def conversation(conversation_id: str):
    """A conversation: the list, the thread and the contact (htmx: thread and contact)."""
    scope = current_scope()
    context = fragments.thread_context(scope, conversation_id)
    threads.mark_read(scope.partner_id, scope.environment, scope.user.id, conversation_id)
    if request.headers.get("HX-Request") == "true":
        row = threads.row(scope.partner_id, scope.environment, scope.user.id, conversation_id)
        response = Response(render_template("admin/inbox/_open.html", scope=scope, row=row,
                                            **context))
        response.headers["Vary"] = "HX-Request"
        return response
    return fragment_or_page("admin/inbox/index.html", None, scope=scope,
                            **_list_context(scope, conversation_id), **context)


@bp.get("/conversations/<conversation_id>/lines")
@login_required
def lines(conversation_id: str):
    """The thread's lines, polled: 204 while its version is the one the page has."""
    scope = current_scope()
    conversation = conversations.get(scope.partner_id, scope.environment, conversation_id)
    # Most polls find nothing new: answer them from the version alone (three aggregates),
    # loading the thread's lines only when something changed.
    if request.args.get("v") == threads.version(scope.partner_id, scope.environment,
                                                 conversation):
        return Response(status=204)
    thread = threads.thread(scope.partner_id, scope.environment, conversation_id)
    threads.mark_read(scope.partner_id, scope.environment, scope.user.id, conversation_id)
    return render_template("admin/inbox/_lines.html", scope=scope, thread=thread,
                           team=threads.team(scope.partner_id), oob=True)


@bp.get("/messages/<message_id>")
@login_required
def message(message_id: str):
    """One message line; while it is queued or sending it polls itself."""
    scope = current_scope()
    found = messages.get(scope.partner_id, scope.environment, message_id)
    return render_template("admin/inbox/_message.html", message=found)


@bp.get("/conversations/<conversation_id>/composer")
@login_required
def composer(conversation_id: str):
    """The reply form, e.g. with a canned reply or a template's variable fields filled in."""
    scope = current_scope()
    thread = threads.thread(scope.partner_id, scope.environment, conversation_id)
    context = {"thread": thread, **fragments.composer_context(scope, thread)}
    if request.headers.get("HX-Request") == "true":
        return render_template("admin/inbox/_composer.html", scope=scope, **context)
    return fragment_or_page("admin/inbox/index.html", None, scope=scope,
                            **_list_context(scope, conversation_id),
                            **fragments.thread_context(scope, conversation_id), **{
                                k: v for k, v in context.items() if k != "thread"})


@bp.get("/conversations/<conversation_id>/contact")
@login_required
def contact_pane(conversation_id: str):
    """The contact pane (with `edit=contact`, its edit form): click to edit."""
    scope = current_scope()
    context = fragments.thread_context(scope, conversation_id)
    return render_template("admin/inbox/_contact_body.html", scope=scope, **context)


@bp.get("/compose/segments")
@login_required
def segments():
    """The SMS counter for the composer's text: characters, segments and encoding."""
    text = request.args.get("text", "")
    return render_template("admin/inbox/_segments.html",
                           segments=count_segments(text) if text else None)


@bp.get("/")
@login_required
def home():
    """The admin's front door: the inbox for a partner's team, the operator console for
    operators."""
    if current_user.partner_id is None:
        return _redirect(url_for("admin_operator.index"))
    return _redirect(url_for("admin_inbox.index"))


def _redirect(target: str) -> Response:
    response = Response(status=303)
    response.headers["Location"] = target
    return response
