"""Builders shared by the contacts tests: a sample contact, and threads made as sends make them."""

from __future__ import annotations

from app.extensions import db
from app.models import Message
from app.services.inbox import contacts, conversations

NAYEEM = {"name": "Nayeem", "external_id": "crm-42",
          "identities": [{"channel": "sms", "address": "+15551234567"},
                         {"channel": "whatsapp", "address": "+15551234567"}],
          "attributes": {"tier": "gold"}}


def _create(client, **body):
    response = client.post("/contacts", json=body)
    assert response.status_code == 201, response.json
    return response.json


def _thread(app, partner_id, environment, channel, address):
    """Open a conversation for an address, as a send or an inbound message would."""
    with app.app_context():
        contact, _ = contacts.resolve_or_create_by_identity(partner_id, environment, channel,
                                                            address)
        conversation = conversations.find_or_open(partner_id, environment, contact.id, channel)
        db.session.commit()
        return contact.id, conversation.id


def _message(app, partner_id, environment, conversation_id, contact_id, *,
             direction="inbound", status="delivered", text="Hello"):
    contact_side, our_side = "+15551234567", "+15550000000"
    to, sender = ((contact_side, our_side) if direction == "outbound"
                  else (our_side, contact_side))
    with app.app_context():
        message = Message(partner_id=partner_id, environment=environment, channel="sms",
                          direction=direction, status=status, text=text, to_address=to,
                          from_address=sender, conversation_id=conversation_id,
                          contact_id=contact_id)
        db.session.add(message)
        db.session.commit()
        return message.id
