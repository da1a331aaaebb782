"""Sending messages: validate, resolve the contact and conversation, charge, write, enqueue.

`send` does its writes in one transaction (the caller's unit of work): the message, its first
status event, the wallet debit and, when the recipient is new, its contact and conversation.
The `send_message` job is enqueued only after that transaction commits; if Redis is down
then, the message stays `queued` and the sweeper enqueues it later.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from app.channels import validate_send
from app.errors import ApiError
from app.extensions import db
from app.models import Message, MessageEvent
from app.models.base import new_id, utcnow
from app.money import format_price
from app.services import tx
from app.services.billing import prices, wallet
from app.services.inbox import contacts, conversations
from app.services.messaging import delivery, senders, templates
from app.services.pagination import Page, compare_up_to_second, paginate


def send(partner_id: str, environment: str, payload: dict, *,
         fallback_of: str | None = None) -> Message:
    """Validate, price and charge a send, write it `queued`, and enqueue it after commit.

    `fallback_of` links a fallback attempt (an SMS for an RCS message) to its original.

    Raises ApiError (422 validation, 402 insufficient_funds); the enclosing unit of work
    then rolls back, so a refused send writes nothing.
    """
    validated = validate_send(payload)
    channel = validated.channel.name
    if validated.from_ is not None:
        senders.require_verified(partner_id, channel, validated.from_)
    template_language = None
    variables = None
    if validated.template is not None:
        template = templates.find(partner_id, environment, channel=channel,
                                  name=validated.template, language=validated.language)
        if template is None:
            raise ApiError("template_not_found",
                           f"No template `{validated.template}` in language "
                           f"`{validated.language}` on {channel}; create it with "
                           "POST /api/v1/templates.", param="template")
        templates.check_variables(template, validated.variables)
        template_language = template.language
        # Stored in the template's placeholder order: positional providers rely on it.
        variables = {name: validated.variables[name]
                     for name in templates.parse_variables(template.body)}

    message_id = new_id("msg")
    now = utcnow()
    cost_estimate = prices.estimate(channel, validated.country_code, validated.segments)
    contact, _ = contacts.resolve_or_create_by_identity(partner_id, environment, channel,
                                                        validated.to)
    conversation = conversations.find_or_open(partner_id, environment, contact.id, channel)
    try:
        debit = wallet.debit(partner_id, environment, cost_estimate,
                             message_id, description=f"{channel} message")
    except wallet.InsufficientFunds as short:
        raise ApiError(
            "insufficient_funds",
            f"Balance {format_price(short.balance_micros)} {short.currency} is below the "
            f"estimate {format_price(short.needed_micros)} {short.currency}.") from None

    message = Message(
        id=message_id, partner_id=partner_id, environment=environment, channel=channel,
        direction="outbound", to_address=validated.to, from_address=validated.from_,
        status="queued", template=validated.template, language=template_language,
        variables=variables,
        text=validated.text, subject=validated.subject, html=validated.html,
        title=validated.title, segments=validated.segments, conversation_id=conversation.id,
        contact_id=contact.id, cost_estimate_micros=cost_estimate,
        currency=debit.currency, status_sequence=1, status_changed_at=now, created_at=now,
        updated_at=now, fallback_of_id=fallback_of, meta=validated.metadata or None,
    )
    db.session.add(message)
    db.session.add(MessageEvent(partner_id=partner_id, environment=environment,
                                message_id=message_id, sequence=1, status="queued",
                                occurred_at=now, recorded_at=now))
    conversation.last_message_at = now
    # After commit, so the worker finds the row; a failed enqueue is left to the sweeper.
    tx.after_commit(lambda: delivery.schedule_attempt(message_id))
    tx.commit()
    return message


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
