"""Inbound messages: find (or create) the contact by its channel address, attach the message
to the open conversation (or open one), and record `message.received` (webhooks and the
agents' phones hear of it when the event is dispatched).

A message from an address that already belongs to a contact records `contact.identified`
("external-ID matching"); a new address creates a contact and never merges with another.
"""

from __future__ import annotations

from sqlalchemy import select

from app.channels.gateways import Inbound
from app.extensions import db
from app.models import Message, MessageEvent
from app.models.base import utcnow
from app.services import events, tx
from app.services.inbox import contacts, conversations
from app.services.messaging.objects import message_to_api


def receive(partner_id: str, environment: str, gateway_id: str | None,
            inbound: Inbound) -> Message:
    """Record one inbound message (a duplicate provider id returns the first, unchanged)."""
    if inbound.provider_message_id:
        duplicate = db.session.scalar(select(Message).where(
            Message.partner_id == partner_id, Message.environment == environment,
            Message.direction == "inbound",
            Message.provider_message_id == inbound.provider_message_id))
        if duplicate is not None:
            tx.commit()
            return duplicate
    contact, created = contacts.resolve_or_create_by_identity(
        partner_id, environment, inbound.channel, inbound.from_address, name=inbound.name)
    db.session.flush()
    conversation = conversations.find_or_open(partner_id, environment, contact.id,
                                              inbound.channel)
    now = utcnow()
    occurred = inbound.occurred_at or now
    message = Message(
        partner_id=partner_id, environment=environment, channel=inbound.channel,
        direction="inbound", to_address=inbound.to_address or "switchboard",
        from_address=contacts.normalise_address(inbound.channel, inbound.from_address),
        status="delivered", text=inbound.text, conversation_id=conversation.id,
        contact_id=contact.id, gateway_id=gateway_id,
        provider_message_id=inbound.provider_message_id, status_sequence=1,
        status_changed_at=now, cost_estimate_micros=0, cost_micros=0,
    )
    db.session.add(message)
    db.session.flush()
    db.session.add(MessageEvent(partner_id=partner_id, environment=environment,
                                message_id=message.id, sequence=1, status="delivered",
                                occurred_at=occurred))
    conversation.last_message_at = now
    conversation.updated_at = now
    if not created:
        events.record(partner_id, environment, "contact.identified",
                      {**contacts.to_api(contact), "message_id": message.id,
                       "channel": inbound.channel, "address": message.from_address},
                      object_id=contact.id)
    events.record(partner_id, environment, "message.received", message_to_api(message),
                  object_id=message.id)
    tx.commit()
    return message
