"""Sending messages: validate, resolve the contact and conversation, charge, write, enqueue.

`send` (one message) and `send_batch` (up to a thousand) do their writes in one transaction
(the caller's unit of work) through `accept`: the messages, their first status events, the
wallet debits and, for new recipients, their contacts and conversations. Once that
transaction commits, a job sending the queued messages is made sure of (`messaging.drain`:
one job for a burst of sends); if Redis is down then, the messages stay `queued` and the
sweeper enqueues them later.
"""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import select

from app.errors import ApiError
from app.extensions import db
from app.models import Message
from app.services import tx
from app.services.messaging import accept
from app.services.pagination import Page, compare_up_to_second, paginate


def send(partner_id: str, environment: str, payload: dict, *,
         fallback_of: str | None = None) -> Message:
    """Validate, price and charge a send, write it `queued`, and enqueue it after commit.

    `fallback_of` links a fallback attempt (an SMS for an RCS message) to its original.

    Raises ApiError (422 validation, 402 insufficient_funds); the enclosing unit of work
    then rolls back, so a refused send writes nothing.
    """
    draft = accept.prepare(accept.Lookups(partner_id, environment), payload,
                           fallback_of=fallback_of)
    rows, short = accept.write(partner_id, environment, [draft])
    if short:
        raise short[0].error()
    tx.commit()
    return accept.as_message(rows[0])


def send_batch(partner_id: str, environment: str,
               items: list[dict | ApiError]) -> list[SimpleNamespace | ApiError]:
    """Send many messages in one transaction, each checked and charged as if on its own.

    `items` are payloads, or the ApiError an item was already refused with. Returns, in the
    same order, each accepted message (with a Message's attributes) or the ApiError its item
    is refused with (422 validation, 402 when the balance left for it is short); refused
    items write nothing.
    """
    lookups = accept.Lookups(partner_id, environment)
    results: list = list(items)
    drafts = []
    for index, item in enumerate(items):
        if isinstance(item, ApiError):
            continue
        try:
            drafts.append(accept.prepare(lookups, item, index=index))
        except ApiError as refused:
            results[index] = refused
    rows, short = accept.write(partner_id, environment, drafts)
    place = {draft.message_id: draft.index for draft in drafts}
    for row in rows:
        results[place[row["id"]]] = accept.as_view(row)
    for refused in short:
        results[refused.draft.index] = refused.error()
    tx.commit()
    return results


def get(partner_id: str, environment: str, message_id: str) -> Message:
    """Return one message; 404 when it is missing or belongs to someone else."""
    message = db.session.scalar(select(Message).where(
        Message.partner_id == partner_id, Message.environment == environment,
        Message.id == message_id))
    if message is None:
        raise ApiError("not_found", f"No message {message_id}.", param="id")
    return message


def list_messages(partner_id: str, environment: str, *, status: str | None = None,
                  channel: str | None = None, conversation_id: str | None = None,
                  contact_id: str | None = None, direction: str | None = None,
                  created_gte: datetime | None = None, created_lte: datetime | None = None,
                  limit: int = 20, cursor: str | None = None) -> Page:
    """A page of messages, newest first, filtered; times compare at the second shown."""
    statement = select(Message).where(Message.partner_id == partner_id,
                                      Message.environment == environment)
    for column, value in ((Message.status, status), (Message.channel, channel),
                          (Message.conversation_id, conversation_id),
                          (Message.contact_id, contact_id), (Message.direction, direction)):
        if value is not None:
            statement = statement.where(column == value)
    statement = compare_up_to_second(statement, Message.created_at, created_gte, created_lte)
    return paginate(statement, Message.id, limit, cursor)
