"""Inbox actions of the admin UI: assign, close and reopen a conversation."""

from __future__ import annotations

from app.api.internal import bp, surface
from app.api.principal import Principal
from app.api.v1.conversations import Assign, ConversationOut
from app.services import conversations


@surface.endpoint(bp, "/conversations/<id>/assign", "POST", summary="Assign a conversation",
                  tags=("Conversations",), body=Assign, response=ConversationOut)
def assign_conversation(principal: Principal, body: Assign, id: str):  # noqa: A002
    """Assign to a team member or unassign (null); records `conversation.assigned`."""
    return conversations.to_api(conversations.assign(
        principal.partner_id, principal.environment, id, body.agent_id))


@surface.endpoint(bp, "/conversations/<id>/close", "POST", summary="Close a conversation",
                  tags=("Conversations",), response=ConversationOut)
def close_conversation(principal: Principal, id: str):  # noqa: A002
    """Close the conversation; the contact's next message opens a new one."""
    return conversations.to_api(
        conversations.close(principal.partner_id, principal.environment, id))


@surface.endpoint(bp, "/conversations/<id>/reopen", "POST", summary="Reopen a conversation",
                  tags=("Conversations",), response=ConversationOut, errors=("conflict",))
def reopen_conversation(principal: Principal, id: str):  # noqa: A002
    """Reopen a closed conversation, unless the contact has another open one on its channel."""
    return conversations.to_api(
        conversations.reopen(principal.partner_id, principal.environment, id))
