"""Conversations: list, get, message history, assign, close and reopen."""

from __future__ import annotations

from collections.abc import Callable

from pydantic import Field

from app.api.pipeline import Surface
from app.api.principal import Principal
from app.api.schemas import (
    ChannelName,
    ConversationOut,
    ConversationStatus,
    HistoryQuery,
    ListQuery,
    ListResponse,
    MessageOut,
    Rfc3339,
    Strict,
    page_response,
    prefixed_id,
)
from app.api.surfaces import v1 as surface
from app.models.base import ULID_REGEX
from app.services.inbox import conversations
from app.services.messaging.objects import message_to_api

ContactId = prefixed_id("con")
UserId = prefixed_id("usr")


class ConversationQuery(ListQuery):
    status: ConversationStatus | None = None
    channel: ChannelName | None = None
    contact_id: ContactId | None = None
    assignee_id: str | None = Field(None, pattern=f"^(usr_{ULID_REGEX}|none)$",
                                    description="A user id, or `none` for unassigned "
                                                "conversations.")
    updated_since: Rfc3339 | None = Field(None, description="Changed at or after this time "
                                                            "(RFC 3339).")


class Assign(Strict):
    agent_id: UserId | None = Field(description="An active admin or agent of your team "
                                                "(`usr_...`), or null to unassign.")


@surface.endpoint("/conversations", "GET", summary="List conversations",
                  tags=("Conversations",), query=ConversationQuery,
                  response=ListResponse[ConversationOut], errors=("invalid_cursor",))
def list_conversations(principal: Principal, query: ConversationQuery):
    """The environment's conversations, newest first, with filters."""
    since = query.updated_since
    page = conversations.list_conversations(
        principal.partner_id, principal.environment, status=query.status,
        channel=query.channel, contact_id=query.contact_id, assignee_id=query.assignee_id,
        updated_since=since, limit=query.limit, cursor=query.cursor)
    return page_response(page, conversations.to_api)


@surface.endpoint("/conversations/<id>", "GET", summary="Get a conversation",
                  tags=("Conversations",), response=ConversationOut)
def get_conversation(principal: Principal, id: str):  # noqa: A002 - the URL's own name
    """One conversation."""
    return conversations.to_api(
        conversations.get(principal.partner_id, principal.environment, id))


@surface.endpoint("/conversations/<id>/messages", "GET",
                  summary="List a conversation's messages", tags=("Conversations",),
                  query=HistoryQuery, response=ListResponse[MessageOut],
                  errors=("invalid_cursor",))
def list_conversation_messages(principal: Principal, query: HistoryQuery,
                               id: str):  # noqa: A002
    """The conversation's history, inbound and outbound, newest first unless `order=asc`."""
    page = conversations.messages_page(principal.partner_id, principal.environment, id,
                                       newest_first=query.order == "desc", limit=query.limit,
                                       cursor=query.cursor)
    return page_response(page, message_to_api)


def declare_actions(on: Surface, html: Callable | None = None) -> None:
    """Declare assign/close/reopen on a surface: the partner API and the admin UI share them.

    `html` presents the answers to the admin UI (see app.api.negotiation); the acting user,
    when there is one, is kept on the thread's activity line.
    """

    @on.endpoint("/conversations/<id>/assign", "POST",
                 summary="Assign a conversation", tags=("Conversations",), body=Assign,
                 response=ConversationOut, html=html)
    def assign_conversation(principal: Principal, body: Assign, id: str):  # noqa: A002
        """Assign to a team member or unassign (null); records `conversation.assigned`."""
        return conversations.to_api(conversations.assign(
            principal.partner_id, principal.environment, id, body.agent_id,
            actor_id=principal.user_id))

    @on.endpoint("/conversations/<id>/close", "POST",
                 summary="Close a conversation", tags=("Conversations",),
                 response=ConversationOut, html=html)
    def close_conversation(principal: Principal, id: str):  # noqa: A002
        """Close the conversation; the contact's next message opens a new one. Idempotent."""
        return conversations.to_api(conversations.close(
            principal.partner_id, principal.environment, id, actor_id=principal.user_id))

    @on.endpoint("/conversations/<id>/reopen", "POST",
                 summary="Reopen a conversation", tags=("Conversations",),
                 response=ConversationOut, errors=("conflict",), html=html)
    def reopen_conversation(principal: Principal, id: str):  # noqa: A002
        """Reopen a closed conversation, unless the contact has another open one there."""
        return conversations.to_api(conversations.reopen(
            principal.partner_id, principal.environment, id, actor_id=principal.user_id))


declare_actions(surface)
