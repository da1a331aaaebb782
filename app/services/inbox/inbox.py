"""The agent's inbox, shared by the mobile app and the admin UI: the conversation feed,
replies on a conversation's own channel, and waiting for a reply's send outcome.

Replies go through `messages.send`, exactly as a partner's `POST /api/v1/messages` does:
same validation, pricing, wallet debit, idempotency and delivery engine.
"""

from __future__ import annotations

import base64
import binascii
import time
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, select, tuple_

from app.database import reads_only
from app.errors import ApiError
from app.extensions import db
from app.models import Contact, ContactIdentity, Conversation, Message
from app.models.base import utcnow
from app.services import tx
from app.services.inbox import conversations
from app.services.messaging import messages, templates
from app.services.pagination import Page

# A reply whose send has not finished yet; anything else is an outcome.
PENDING = ("queued", "sending")
# WhatsApp's customer service window: free text only this long after the contact wrote.
WHATSAPP_WINDOW = timedelta(hours=24)
POLL_SECONDS = 0.1


def _scoped(model, partner_id: str, environment: str):
    return and_(model.partner_id == partner_id, model.environment == environment)


def encode_cursor(conversation: Conversation) -> str:
    """The cursor after this conversation in a most-recently-updated-first list."""
    raw = f"{conversation.updated_at.isoformat()}|{conversation.id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    """The (updated_at, id) a cursor points after; 400 invalid_cursor when it is not ours."""
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode()).decode()
        stamp, conversation_id = raw.split("|")
        return datetime.fromisoformat(stamp), conversation_id
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError("invalid_cursor", param="cursor") from None


def agent_feed(partner_id: str, environment: str, user_id: str, *,
               updated_since: datetime | None = None, limit: int = 50,
               cursor: str | None = None) -> Page:
    """A page of (conversation, contact) rows, most recently updated first.

    Without `updated_since`: the agent's inbox, conversations assigned to them or to nobody.
    With it: every conversation changed since then, whoever holds it, so an app keeping a
    local copy also learns of conversations that left its inbox (assigned to a colleague).
    """
    statement = (select(Conversation, Contact)
                 .join(Contact, Contact.id == Conversation.contact_id)
                 .where(_scoped(Conversation, partner_id, environment),
                        _scoped(Contact, partner_id, environment)))
    if updated_since is None:
        statement = statement.where(or_(Conversation.assignee_id == user_id,
                                        Conversation.assignee_id.is_(None)))
    else:
        statement = statement.where(Conversation.updated_at >= updated_since)
    rows, has_more = recently_updated(statement, limit, cursor)
    return Page(rows, has_more, encode_cursor(rows[-1][0]) if has_more else None)


def recently_updated(statement, limit: int, cursor: str | None) -> tuple[list[tuple], bool]:
    """One page of (conversation, ...) rows, most recently updated first, after `cursor`;
    and whether more follow."""
    if cursor:
        # A row comparison, not `a < x OR (a = x AND b < y)`: an index on the list's filter
        # then (updated_at, id) answers it as one range scan, however deep the page.
        statement = statement.where(
            tuple_(Conversation.updated_at, Conversation.id) < tuple_(*decode_cursor(cursor)))
    rows = list(db.session.execute(statement.order_by(
        Conversation.updated_at.desc(), Conversation.id.desc()).limit(limit + 1)))
    return [tuple(row) for row in rows[:limit]], len(rows) > limit


def feed_item_to_api(row: tuple[Conversation, Contact]) -> dict:
    """A feed entry: the conversation object plus who the contact is."""
    conversation, contact = row
    return {**conversations.to_api(conversation),
            "contact": {"id": contact.id, "name": contact.name}}


def _reply_address(conversation: Conversation) -> str:
    """The contact's address on the conversation's channel: the one last used in it."""
    last = db.session.scalar(select(Message).where(
        _scoped(Message, conversation.partner_id, conversation.environment),
        Message.conversation_id == conversation.id,
    ).order_by(Message.id.desc()).limit(1))
    if last is not None:
        address = last.from_address if last.direction == "inbound" else last.to_address
        if address:
            return address
    address = db.session.scalar(select(ContactIdentity.address).where(
        _scoped(ContactIdentity, conversation.partner_id, conversation.environment),
        ContactIdentity.contact_id == conversation.contact_id,
        ContactIdentity.channel == conversation.channel,
    ).order_by(ContactIdentity.id).limit(1))
    if address is None:
        raise ApiError("conflict", f"The contact has no {conversation.channel} address to "
                       "reply to.", param="id")
    return address


def reply(partner_id: str, environment: str, conversation_id: str, text: str | None,
          subject: str | None = None, *, title: str | None = None,
          template_id: str | None = None, variables: dict | None = None) -> Message:
    """Send to the conversation's contact on its channel: text (an email needs `subject`,
    a push `title`), or on WhatsApp a template with its variables.

    409 when the conversation is closed: reopen it first, so the reply stays in this thread.
    WhatsApp free text is refused outside 24 hours of the contact's last message.
    """
    conversation = conversations.get(partner_id, environment, conversation_id)
    if conversation.status != "open":
        raise ApiError("conflict", "The conversation is closed; reopen it to reply.",
                       param="id")
    payload: dict = {"channel": conversation.channel, "to": _reply_address(conversation)}
    if template_id is not None:
        template = templates.get(partner_id, environment, template_id)
        payload.update(template=template.name, language=template.language,
                       variables=variables or {})
    else:
        if conversation.channel == "whatsapp" and not window_open(conversation):
            raise ApiError("invalid_field", "WhatsApp allows free text only within 24 hours "
                           "of the customer's last message; send a template.", param="text")
        payload["text"] = text
    for name, value in (("subject", subject), ("title", title)):
        if value is not None:
            payload[name] = value
    return messages.send(partner_id, environment, payload)


def window_open(conversation: Conversation) -> bool:
    """Whether WhatsApp free text may be sent: the contact wrote within 24 hours."""
    last_inbound = db.session.scalar(select(func.max(Message.created_at)).where(
        _scoped(Message, conversation.partner_id, conversation.environment),
        Message.conversation_id == conversation.id, Message.direction == "inbound"))
    return last_inbound is not None and utcnow() - last_inbound < WHATSAPP_WINDOW


def wait_for_outcome(partner_id: str, environment: str, message_id: str,
                     deadline: float) -> Message:
    """Poll until the message leaves queued/sending or `deadline` (time.monotonic()) passes.

    Call after the send has committed. Each poll is its own short read transaction, so
    the worker recording the outcome is never blocked by the waiting request.
    """
    while True:
        with reads_only():
            message = db.session.scalar(
                select(Message).where(_scoped(Message, partner_id, environment),
                                      Message.id == message_id)
                .execution_options(populate_existing=True))
            if message is not None:
                db.session.expunge(message)  # keep its loaded state once the read ends
            tx.end_read()
        if message is None:
            raise ApiError("not_found", f"No message {message_id}.", param="id")
        remaining = deadline - time.monotonic()
        if message.status not in PENDING or remaining <= 0:
            return message
        time.sleep(min(POLL_SECONDS, remaining))
