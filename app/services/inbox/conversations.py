"""Conversations: one thread per contact and channel, open or closed, maybe assigned.

A contact has at most one open conversation per channel: sends and inbound messages join it
(`find_or_open`), and a closed conversation is never reopened behind the partner's back: the
next message opens a new one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, select

from app import channels
from app.errors import ApiError
from app.extensions import db
from app.models import Contact, Conversation, ConversationActivity, Message, User
from app.models.base import isoformat, utcnow
from app.services import events, tx
from app.services.pagination import Page, paginate

ASSIGNABLE_ROLES = ("admin", "agent")
UNASSIGNED = "none"


def _scoped(model, partner_id: str, environment: str):
    return and_(model.partner_id == partner_id, model.environment == environment)


def get(partner_id: str, environment: str, conversation_id: str) -> Conversation:
    """Return one conversation; 404 when it is missing or belongs to someone else."""
    conversation = db.session.scalar(select(Conversation).where(
        _scoped(Conversation, partner_id, environment), Conversation.id == conversation_id))
    if conversation is None:
        raise ApiError("not_found", f"No conversation {conversation_id}.", param="id")
    return conversation


def list_conversations(partner_id: str, environment: str, *, status: str | None = None,
                       channel: str | None = None, contact_id: str | None = None,
                       assignee_id: str | None = None, updated_since: datetime | None = None,
                       limit: int = 20, cursor: str | None = None) -> Page:
    """A page of conversations, newest first; `assignee_id="none"` means unassigned."""
    statement = select(Conversation).where(_scoped(Conversation, partner_id, environment))
    for column, value in ((Conversation.status, status), (Conversation.channel, channel),
                          (Conversation.contact_id, contact_id)):
        if value is not None:
            statement = statement.where(column == value)
    if assignee_id == UNASSIGNED:
        statement = statement.where(Conversation.assignee_id.is_(None))
    elif assignee_id is not None:
        statement = statement.where(Conversation.assignee_id == assignee_id)
    if updated_since is not None:
        statement = statement.where(Conversation.updated_at >= updated_since)
    return paginate(statement, Conversation.id, limit, cursor)


def messages_page(partner_id: str, environment: str, conversation_id: str, *,
                  newest_first: bool = True, limit: int = 20, cursor: str | None = None) -> Page:
    """A page of a conversation's messages; 404 when the conversation is not the caller's."""
    conversation = get(partner_id, environment, conversation_id)
    statement = select(Message).where(_scoped(Message, partner_id, environment),
                                      Message.conversation_id == conversation.id)
    return paginate(statement, Message.id, limit, cursor, newest_first=newest_first)


def find_or_open(partner_id: str, environment: str, contact_id: str,
                 channel: str) -> Conversation:
    """Return the contact's open conversation on `channel`, opening one if there is none.

    Locks the contact row (PostgreSQL; SQLite serialises writers anyway) so concurrent
    sends and inbound messages agree on one conversation. Does not commit.
    """
    if channels.get(channel) is None:
        raise ApiError("unknown_channel", f"`{channel}` is not a channel.", param="channel")
    locked = db.session.scalar(select(Contact.id).where(
        _scoped(Contact, partner_id, environment), Contact.id == contact_id).with_for_update())
    if locked is None:
        raise ApiError("not_found", f"No contact {contact_id}.", param="contact_id")
    conversation = db.session.scalar(select(Conversation).where(
        _scoped(Conversation, partner_id, environment), Conversation.contact_id == contact_id,
        Conversation.channel == channel, Conversation.status == "open",
    ).order_by(Conversation.id.desc()).limit(1))
    if conversation is None:
        conversation = Conversation(partner_id=partner_id, environment=environment,
                                    contact_id=contact_id, channel=channel, status="open")
        db.session.add(conversation)
        db.session.flush()
    return conversation


def _assignable(partner_id: str, agent_id: str) -> User:
    user = db.session.scalar(select(User).where(
        User.id == agent_id, User.partner_id == partner_id, User.role.in_(ASSIGNABLE_ROLES)))
    if user is None or not user.is_active:
        message = "`agent_id` must be an active admin or agent of your team."
        raise ApiError("invalid_field", message, param="agent_id",
                       errors=[{"param": "agent_id", "code": "invalid_field",
                                "message": message}])
    return user


def assign(partner_id: str, environment: str, conversation_id: str,
           agent_id: str | None, *, actor_id: str | None = None) -> Conversation:
    """Assign to a team member (None unassigns) and record `conversation.assigned`.

    Assigning to the current assignee changes nothing and records no event. `actor_id`
    (the user acting, if any) is kept on the thread's activity line.
    """
    conversation = get(partner_id, environment, conversation_id)
    agent = _assignable(partner_id, agent_id) if agent_id is not None else None
    if conversation.assignee_id == agent_id:
        return conversation
    previous = conversation.assignee_id
    conversation.assignee_id = agent_id
    conversation.updated_at = utcnow()
    _activity(conversation, "assigned" if agent_id else "unassigned", actor_id, agent_id)
    db.session.flush()
    data = to_api(conversation)
    data["assignee"] = ({"id": agent.id, "email": agent.email, "name": agent.name}
                        if agent is not None else None)
    data["previous_assignee_id"] = previous
    events.record(partner_id, environment, "conversation.assigned", data)
    tx.commit()
    return conversation


def close(partner_id: str, environment: str, conversation_id: str, *,
          actor_id: str | None = None) -> Conversation:
    """Close a conversation; closing a closed one changes nothing."""
    conversation = get(partner_id, environment, conversation_id)
    if conversation.status != "closed":
        conversation.status = "closed"
        conversation.updated_at = utcnow()
        _activity(conversation, "closed", actor_id)
        tx.commit()
    return conversation


def _activity(conversation: Conversation, kind: str, actor_id: str | None,
              subject_id: str | None = None) -> None:
    """Add the action's line to the thread, in the change's transaction."""
    db.session.add(ConversationActivity(
        partner_id=conversation.partner_id, environment=conversation.environment,
        conversation_id=conversation.id, kind=kind, actor_id=actor_id, subject_id=subject_id))


def reopen(partner_id: str, environment: str, conversation_id: str, *,
           actor_id: str | None = None) -> Conversation:
    """Reopen a conversation; 409 when the contact has another open one on its channel."""
    conversation = get(partner_id, environment, conversation_id)
    if conversation.status == "open":
        return conversation
    db.session.scalar(select(Contact.id).where(Contact.id == conversation.contact_id)
                      .with_for_update())
    other = db.session.scalar(select(Conversation.id).where(
        _scoped(Conversation, partner_id, environment),
        Conversation.contact_id == conversation.contact_id,
        Conversation.channel == conversation.channel, Conversation.status == "open"))
    if other is not None:
        raise ApiError("conflict", f"Conversation {other} is already open for this contact on "
                       f"{conversation.channel}; close it first.", param="id")
    conversation.status = "open"
    conversation.updated_at = utcnow()
    _activity(conversation, "reopened", actor_id)
    tx.commit()
    return conversation


def to_api(conversation: Conversation) -> dict:
    """The conversation object."""
    return {"id": conversation.id, "object": "conversation",
            "contact_id": conversation.contact_id, "channel": conversation.channel,
            "status": conversation.status, "assignee_id": conversation.assignee_id,
            "last_message_at": isoformat(conversation.last_message_at),
            "created_at": isoformat(conversation.created_at),
            "updated_at": isoformat(conversation.updated_at)}
