"""Conversations: list, get, message history, assign, close and reopen."""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Literal

from flask import Blueprint
from pydantic import BaseModel, Field

from app.api.pipeline import Surface
from app.api.principal import Principal
from app.api.schemas import Id, ListQuery, ListResponse, Strict, Timestamp, page_response
from app.api.v1 import bp, surface
from app.api.v1.messages import MessageOut, Rfc3339
from app.channels import names
from app.services.inbox import conversations
from app.services.messaging.objects import message_to_api

ChannelName = Literal[tuple(names())]  # type: ignore[valid-type]
Status = Literal["open", "closed"]
ULID = "[0-7][0-9A-HJKMNP-TV-Z]{25}"
ContactId = Annotated[str, Field(pattern=f"^con_{ULID}$",
                                 examples=["con_01HNQX2P8Y9R3T4V5W6Z7A8B9C"])]
UserId = Annotated[str, Field(pattern=f"^usr_{ULID}$",
                              examples=["usr_01HNQX2P8Y9R3T4V5W6Z7A8B9C"])]


class ConversationOut(BaseModel):
    id: Id
    object: Literal["conversation"]
    contact_id: Id
    channel: ChannelName
    status: Status
    assignee_id: Id | None = Field(description="The team member (`usr_...`) handling it.")
    last_message_at: Timestamp | None
    created_at: Timestamp
    updated_at: Timestamp


class ConversationQuery(ListQuery):
    status: Status | None = None
    channel: ChannelName | None = None
    contact_id: ContactId | None = None
    assignee_id: str | None = Field(None, pattern=f"^(usr_{ULID}|none)$",
                                    description="A user id, or `none` for unassigned "
                                                "conversations.")
    updated_since: Rfc3339 | None = Field(None, description="Changed at or after this time "
                                                            "(RFC 3339).")


class HistoryQuery(ListQuery):
    order: Literal["asc", "desc"] = Field("desc", description="`desc` (default) starts with "
                                                              "the newest message.")


class Assign(Strict):
    agent_id: UserId | None = Field(description="An active admin or agent of your team "
                                                "(`usr_...`), or null to unassign.")


@surface.endpoint(bp, "/conversations", "GET", summary="List conversations",
                  tags=("Conversations",), query=ConversationQuery,
                  response=ListResponse[ConversationOut], errors=("invalid_cursor",))
def list_conversations(principal: Principal, query: ConversationQuery):
    """The environment's conversations, newest first, with filters."""
    since = query.updated_since.astimezone(UTC) if query.updated_since else None
    page = conversations.list_conversations(
        principal.partner_id, principal.environment, status=query.status,
        channel=query.channel, contact_id=query.contact_id, assignee_id=query.assignee_id,
        updated_since=since, limit=query.limit, cursor=query.cursor)
    return page_response(page, conversations.to_api)


@surface.endpoint(bp, "/conversations/<id>", "GET", summary="Get a conversation",
                  tags=("Conversations",), response=ConversationOut)
def get_conversation(principal: Principal, id: str):  # noqa: A002 - the URL's own name
    """One conversation."""
    return conversations.to_api(
        conversations.get(principal.partner_id, principal.environment, id))


@surface.endpoint(bp, "/conversations/<id>/messages", "GET",
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


def declare_actions(on: Surface, blueprint: Blueprint) -> None:
    """Declare assign/close/reopen on a surface: the partner API and the admin UI share them."""

    @on.endpoint(blueprint, "/conversations/<id>/assign", "POST",
                 summary="Assign a conversation", tags=("Conversations",), body=Assign,
                 response=ConversationOut)
    def assign_conversation(principal: Principal, body: Assign, id: str):  # noqa: A002
        """Assign to a team member or unassign (null); records `conversation.assigned`."""
        return conversations.to_api(conversations.assign(
            principal.partner_id, principal.environment, id, body.agent_id))

    @on.endpoint(blueprint, "/conversations/<id>/close", "POST",
                 summary="Close a conversation", tags=("Conversations",),
                 response=ConversationOut)
    def close_conversation(principal: Principal, id: str):  # noqa: A002
        """Close the conversation; the contact's next message opens a new one. Idempotent."""
        return conversations.to_api(
            conversations.close(principal.partner_id, principal.environment, id))

    @on.endpoint(blueprint, "/conversations/<id>/reopen", "POST",
                 summary="Reopen a conversation", tags=("Conversations",),
                 response=ConversationOut, errors=("conflict",))
    def reopen_conversation(principal: Principal, id: str):  # noqa: A002
        """Reopen a closed conversation, unless the contact has another open one there."""
        return conversations.to_api(
            conversations.reopen(principal.partner_id, principal.environment, id))


declare_actions(surface, bp)
