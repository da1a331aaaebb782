"""The inbox's HTML fragments: what a page renders and what `/api/internal` answers htmx with.

Context builders gather what a thread pane, its composer and the contact pane show; the
`*_html` functions are the `html=` presenters of the internal API's endpoints (see
`app.api.negotiation`): they turn an endpoint's JSON answer into the fragment htmx swaps in.
"""

from __future__ import annotations

import json
import uuid

from flask import Response, render_template, request
from flask_login import current_user

from app.admin.scope import Scope
from app.api.principal import Principal
from app.channels import count_segments
from app.channels import get as channel_of
from app.services.inbox import inbox, threads
from app.services.messaging import messages, templates


def scope_of(principal: Principal) -> Scope:
    """The admin scope of an internal API call."""
    return Scope(current_user._get_current_object(), principal.partner_id,
                 principal.environment)


def thread_context(scope: Scope, conversation_id: str, **composer) -> dict:
    thread = threads.thread(scope.partner_id, scope.environment, conversation_id)
    return {"thread": thread, **composer_context(scope, thread, **composer),
            **contact_context(scope, thread), "team": threads.team(scope.partner_id)}


def composer_context(scope: Scope, thread: threads.Thread, text: str = "",
                      template_id: str | None = None) -> dict:
    conversation = thread.conversation
    channel = channel_of(conversation.channel)
    window = (conversation.channel != "whatsapp"
              or inbox.window_open(conversation))
    canned_id = request.args.get("canned")
    if canned_id:
        text = threads.canned_reply(scope.partner_id, scope.environment, canned_id).body
    whatsapp_templates = []
    if conversation.channel == "whatsapp":
        whatsapp_templates = templates.list_templates(
            scope.partner_id, scope.environment, channel="whatsapp", limit=100).items
    template_id = template_id or request.args.get("template_id") or None
    chosen = next((t for t in whatsapp_templates if t.id == template_id), None)
    return {"channel": channel, "free_text": window, "text": text,
            "segments": count_segments(text) if conversation.channel == "sms" and text else None,
            "canned": threads.canned_replies(scope.partner_id, scope.environment),
            "wa_templates": whatsapp_templates, "chosen_template": chosen,
            "template_variables": templates.parse_variables(chosen.body) if chosen else [],
            "form_key": uuid.uuid4().hex}


def contact_context(scope: Scope, thread: threads.Thread) -> dict:
    return {"identities": sorted(thread.contact.identities, key=lambda i: (i.channel, i.id)),
            "others": threads.other_conversations(scope.partner_id, scope.environment,
                                                  thread.conversation)}




def message_sent_html(principal: Principal, response: Response) -> Response:
    """A reply's line for the thread, and a fresh composer (a new idempotency key)."""
    scope = scope_of(principal)
    message = messages.get(scope.partner_id, scope.environment,
                           json.loads(response.get_data())["id"])
    thread = threads.thread(scope.partner_id, scope.environment, message.conversation_id)
    html = render_template("admin/inbox/_sent.html", scope=scope, message=message,
                           thread=thread, **composer_context(scope, thread))
    return Response(html, status=response.status_code)


def thread_changed_html(principal: Principal, response: Response) -> Response:
    """The whole thread pane and contact pane again, after an action or a note."""
    scope = scope_of(principal)
    conversation_id = request.view_args.get("id") or json.loads(response.get_data())["id"]
    context = thread_context(scope, conversation_id)
    return Response(render_template("admin/inbox/_open.html", scope=scope, **context))


def contact_changed_html(principal: Principal, response: Response) -> Response:
    """The contact pane again, after an edit."""
    scope = scope_of(principal)
    conversation_id = request.form.get("conversation_id")
    context = thread_context(scope, conversation_id)
    return Response(render_template("admin/inbox/_contact_body.html", scope=scope, **context))


def contact_erased_html(principal: Principal, response: Response) -> Response:
    """After an erasure the conversation is gone: back to the inbox."""
    return Response(status=204, headers={"HX-Redirect": "/admin/inbox"})
