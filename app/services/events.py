"""The event outbox: events are written in the transaction of the change they report.

Nothing here sends anything. Webhook fan-out reads the outbox: every event whose
`dispatched_at` is still empty is due, so a crash between commit and fan-out loses nothing.
"""

from __future__ import annotations

from app.extensions import db
from app.models import Event
from app.models.base import isoformat

EVENT_TYPES = {
    "message.sent": "The gateway accepted the message.",
    "message.delivered": "The recipient's device or mailbox received the message.",
    "message.read": "The recipient read the message (channels with read receipts).",
    "message.failed": "The message failed for good; its charge was refunded.",
    "message.bounced": "The email bounced permanently; its charge was refunded.",
    "message.received": "An inbound message arrived from a contact.",
    "conversation.assigned": "A conversation was assigned to an agent (or unassigned).",
    "contact.identified": "An inbound message was matched to an existing contact.",
}


def record(partner_id: str, environment: str, event_type: str, data: dict,
           object_id: str | None = None) -> Event:
    """Add an event to the current transaction (it is published when that commits)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type}")
    event = Event(partner_id=partner_id, environment=environment, type=event_type, data=data,
                  object_id=object_id or data.get("id"))
    db.session.add(event)
    db.session.flush()
    # --- webhooks: fan out once committed; best effort, the sweeper covers a lost enqueue.
    from app.services import tx
    from app.services.webhooks import delivery as webhook_delivery

    event_id = event.id
    tx.after_commit(lambda: webhook_delivery.schedule_fan_out(event_id))
    # --- end webhooks
    return event


def to_api(event: Event) -> dict:
    """The event as `GET /api/v1/events/{id}` shows it: the webhook envelope plus `object`."""
    return {"id": event.id, "object": "event", "type": event.type,
            "created_at": isoformat(event.created_at), "environment": event.environment,
            "data": event.data}
