"""The browser inbox's reads and notes: the filtered conversation list with each agent's
unread counts, a thread (messages and activity in order), its change validator, read markers,
internal notes and canned replies.

Unread counts are per agent: inbound messages that arrived after the agent last opened the
thread (`ConversationRead`). A thread's version changes whenever a message is added or moves
status, an activity line is added, or the conversation itself changes, so a polling page can
be answered "nothing new" (204) cheaply.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from sqlalchemy import and_, exists, func, or_, select

from app.errors import ApiError
from app.extensions import db
from app.models import (
    CannedReply,
    Contact,
    ContactIdentity,
    Conversation,
    ConversationActivity,
    ConversationRead,
    Message,
    User,
)
from app.models.base import utcnow
from app.services import tx
from app.services.inbox import conversations
from app.services.inbox.inbox import encode_cursor, recently_updated
from app.services.pagination import Page

VIEWS = ("mine", "unassigned", "all")
STATUSES = ("open", "closed")
NOTE_MAX_LENGTH = 4000


@dataclass
class Row:
    """One line of the conversation list."""

    conversation: Conversation
    contact: Contact
    last_message: Message | None = None
    assignee: User | None = None
    unread: int = 0


@dataclass
class Thread:
    """A conversation with its lines in order (messages and activity), and its version."""

    conversation: Conversation
    contact: Contact
    items: list = field(default_factory=list)
    version: str = ""


def _scoped(model, partner_id: str, environment: str):
    return and_(model.partner_id == partner_id, model.environment == environment)


def _like(text: str) -> str:
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_rows(partner_id: str, environment: str, user_id: str, *, view: str = "all",
              status: str | None = "open", channel: str | None = None, q: str | None = None,
              limit: int = 25, cursor: str | None = None) -> Page:
    """A page of list rows, most recently active first, filtered as the inbox asks."""
    statement = (select(Conversation, Contact)
                 .join(Contact, Contact.id == Conversation.contact_id)
                 .where(_scoped(Conversation, partner_id, environment),
                        _scoped(Contact, partner_id, environment)))
    if view == "mine":
        statement = statement.where(Conversation.assignee_id == user_id)
    elif view == "unassigned":
        statement = statement.where(Conversation.assignee_id.is_(None))
    if status in STATUSES:
        statement = statement.where(Conversation.status == status)
    if channel:
        statement = statement.where(Conversation.channel == channel)
    if q and q.strip():
        pattern = _like(q.strip())
        statement = statement.where(or_(
            func.lower(Contact.name).like(pattern, escape="\\"),
            exists().where(ContactIdentity.contact_id == Contact.id,
                           func.lower(ContactIdentity.address).like(pattern, escape="\\")),
            exists().where(Message.conversation_id == Conversation.id,
                           _scoped(Message, partner_id, environment),
                           func.lower(Message.text).like(pattern, escape="\\"))))
    found, has_more = recently_updated(statement, limit, cursor)
    rows = [Row(conversation, contact) for conversation, contact in found]
    _annotate(rows, partner_id, environment, user_id)
    return Page(rows, has_more, encode_cursor(rows[-1].conversation) if has_more else None)


def row(partner_id: str, environment: str, user_id: str, conversation_id: str) -> Row:
    """One conversation's list row, annotated as the list shows it."""
    conversation = conversations.get(partner_id, environment, conversation_id)
    found = Row(conversation, db.session.get(Contact, conversation.contact_id))
    _annotate([found], partner_id, environment, user_id)
    return found


def _annotate(rows: list[Row], partner_id: str, environment: str, user_id: str) -> None:
    """Fill in each row's last message, assignee and unread count (three queries a page)."""
    ids = [row.conversation.id for row in rows]
    if not ids:
        return
    latest = select(func.max(Message.id)).where(
        _scoped(Message, partner_id, environment), Message.conversation_id.in_(ids)
    ).group_by(Message.conversation_id)
    last = {m.conversation_id: m for m in db.session.scalars(
        select(Message).where(Message.id.in_(latest)))}
    assignee_ids = {row.conversation.assignee_id for row in rows} - {None}
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(assignee_ids)))}
    unread = dict(db.session.execute(
        select(Message.conversation_id, func.count(Message.id))
        .outerjoin(ConversationRead, and_(ConversationRead.conversation_id
                                          == Message.conversation_id,
                                          ConversationRead.user_id == user_id))
        .where(_scoped(Message, partner_id, environment), Message.conversation_id.in_(ids),
               Message.direction == "inbound",
               or_(ConversationRead.read_at.is_(None),
                   Message.created_at > ConversationRead.read_at))
        .group_by(Message.conversation_id)).all())
    for row in rows:
        row.last_message = last.get(row.conversation.id)
        row.assignee = users.get(row.conversation.assignee_id)
        row.unread = unread.get(row.conversation.id, 0)


def thread(partner_id: str, environment: str, conversation_id: str) -> Thread:
    """The conversation, its contact and every line of it, oldest first."""
    conversation = conversations.get(partner_id, environment, conversation_id)
    contact = db.session.get(Contact, conversation.contact_id)
    lines = [*db.session.scalars(select(Message).where(
        _scoped(Message, partner_id, environment), Message.conversation_id == conversation.id)),
        *db.session.scalars(select(ConversationActivity).where(
            _scoped(ConversationActivity, partner_id, environment),
            ConversationActivity.conversation_id == conversation.id))]
    lines.sort(key=lambda line: (line.created_at, line.id))
    return Thread(conversation, contact, lines, version(partner_id, environment, conversation))


def version(partner_id: str, environment: str, conversation: Conversation) -> str:
    """A validator of everything a thread shows: equal versions, equal pages."""
    messages = db.session.execute(select(
        func.count(Message.id), func.max(Message.updated_at),
        func.coalesce(func.sum(Message.status_sequence), 0)).where(
        _scoped(Message, partner_id, environment),
        Message.conversation_id == conversation.id)).one()
    activity = db.session.execute(select(func.count(ConversationActivity.id)).where(
        _scoped(ConversationActivity, partner_id, environment),
        ConversationActivity.conversation_id == conversation.id)).scalar()
    raw = f"{conversation.updated_at}|{conversation.assignee_id}|{messages}|{activity}"
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def mark_read(partner_id: str, environment: str, user_id: str, conversation_id: str) -> None:
    """Remember that the agent has now seen the whole conversation."""
    marker = db.session.get(ConversationRead, (user_id, conversation_id))
    if marker is None:
        marker = ConversationRead(partner_id=partner_id, environment=environment,
                                  user_id=user_id, conversation_id=conversation_id)
        db.session.add(marker)
    marker.read_at = utcnow()
    tx.commit()


def add_note(partner_id: str, environment: str, conversation_id: str, user_id: str,
             body: str) -> ConversationActivity:
    """Post an internal note into the thread: agents see it, the contact never does."""
    conversation = conversations.get(partner_id, environment, conversation_id)
    text = (body or "").strip()
    if not text or len(text) > NOTE_MAX_LENGTH:
        raise ApiError("invalid_field", f"A note has 1 to {NOTE_MAX_LENGTH} characters.",
                       param="body")
    note = ConversationActivity(partner_id=partner_id, environment=environment,
                                conversation_id=conversation.id, kind="note",
                                actor_id=user_id, body=text)
    db.session.add(note)
    conversation.updated_at = utcnow()
    tx.commit()
    return note


def canned_replies(partner_id: str, environment: str) -> list[CannedReply]:
    """The team's canned replies, by title."""
    return list(db.session.scalars(select(CannedReply).where(
        _scoped(CannedReply, partner_id, environment)).order_by(CannedReply.title)))


def canned_reply(partner_id: str, environment: str, reply_id: str) -> CannedReply:
    """One canned reply of the team; 404 for another's."""
    found = db.session.scalar(select(CannedReply).where(
        _scoped(CannedReply, partner_id, environment), CannedReply.id == reply_id))
    if found is None:
        raise ApiError("not_found", f"No canned reply {reply_id}.", param="id")
    return found


def team(partner_id: str) -> list[User]:
    """The partner's active admins and agents, by name."""
    members = db.session.scalars(select(User).where(
        User.partner_id == partner_id, User.role.in_(conversations.ASSIGNABLE_ROLES),
        User.disabled_at.is_(None)))
    return sorted(members, key=lambda u: (u.name or u.email).lower())


def other_conversations(partner_id: str, environment: str, conversation: Conversation
                        ) -> list[Conversation]:
    """The contact's other conversations, newest first."""
    return list(db.session.scalars(select(Conversation).where(
        _scoped(Conversation, partner_id, environment),
        Conversation.contact_id == conversation.contact_id,
        Conversation.id != conversation.id).order_by(Conversation.id.desc()).limit(20)))
