"""The agent's conversations: the polled feed, a conversation's history, replies."""

from __future__ import annotations

import hashlib

from flask import Response, json, request
from pydantic import BaseModel, Field

from app.api.principal import Principal
from app.api.schemas import (
    ConversationOut,
    HistoryQuery,
    ListQuery,
    ListResponse,
    MessageOut,
    Rfc3339,
    Strict,
    page_response,
    prefixed_id,
)
from app.api.surfaces import mobile as surface
from app.api.v1.messages import SEND_ERRORS
from app.services.inbox import conversations, inbox
from app.services.messaging.objects import message_to_api


class FeedQuery(ListQuery):
    limit: int = Field(50, ge=1, le=100, description="Page size, 1 to 100.")
    updated_since: Rfc3339 | None = Field(
        None, description="Only conversations changed at or after this time (RFC 3339), "
                          "whoever they are assigned to.")


class ContactRef(BaseModel):
    id: prefixed_id("con")  # type: ignore[valid-type]
    name: str | None


class FeedConversationOut(ConversationOut):
    contact: ContactRef


class Reply(Strict):
    text: str = Field(min_length=1, description="The reply, sent on the conversation's channel.")
    subject: str | None = Field(None, description="Email conversations only: the subject line.")


def conditional(body: dict) -> Response:
    """Answer `body` with a strong ETag, or 304 without a body when If-None-Match matches."""
    data = json.dumps(body)
    tag = hashlib.sha256(data.encode()).hexdigest()[:32]
    if request.if_none_match.contains_weak(tag):
        response = Response(status=304)
    else:
        response = Response(data, mimetype="application/json")
    response.set_etag(tag)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.add("Authorization")
    return response


@surface.endpoint("/conversations", "GET", summary="Poll the agent's conversations",
                  tags=("Conversations",), query=FeedQuery,
                  response=ListResponse[FeedConversationOut], errors=("invalid_cursor",))
def list_conversations(principal: Principal, query: FeedQuery):
    """Conversations assigned to you or to nobody, most recently updated first.

    With `updated_since`: every conversation changed since then, whoever holds it. Send the
    previous response's ETag in If-None-Match: 304 when nothing changed.
    """
    since = query.updated_since
    page = inbox.agent_feed(principal.partner_id, principal.environment, principal.user_id,
                            updated_since=since, limit=query.limit, cursor=query.cursor)
    return conditional(page_response(page, inbox.feed_item_to_api))


@surface.endpoint("/conversations/<id>/messages", "GET",
                  summary="List a conversation's messages", tags=("Conversations",),
                  query=HistoryQuery, response=ListResponse[MessageOut],
                  errors=("invalid_cursor",))
def list_messages(principal: Principal, query: HistoryQuery, id: str):  # noqa: A002
    """The conversation's history, newest first unless `order=asc`; ETag as the feed's."""
    page = conversations.messages_page(principal.partner_id, principal.environment, id,
                                       newest_first=query.order == "desc", limit=query.limit,
                                       cursor=query.cursor)
    return conditional(page_response(page, message_to_api))


@surface.endpoint("/conversations/<id>/messages", "POST", summary="Reply",
                  tags=("Conversations",), body=Reply, response=MessageOut, status=202,
                  errors=(*SEND_ERRORS, "conflict"))
def reply(principal: Principal, body: Reply, id: str):  # noqa: A002
    """Send a reply to the contact on the conversation's channel (202, queued)."""
    message = inbox.reply(principal.partner_id, principal.environment, id, body.text,
                          body.subject)
    return message_to_api(message)
