"""The sandbox simulator's receipts and replies, played back on the `default` queue."""

from __future__ import annotations

from app.channels.gateways import Inbound, StatusUpdate
from app.extensions import db
from app.models import Message
from app.services.messaging import callbacks

queue = "default"


def play_sandbox_callback(gateway_id: str, message_id: str, payload: dict) -> str:
    """Feed one scripted receipt or reply through the same path as provider webhooks."""
    fields = {k: v for k, v in payload.items() if k != "kind"}
    if payload["kind"] == "status":
        return callbacks.apply_status(gateway_id, StatusUpdate(**fields))
    original = db.session.get(Message, message_id)
    message = callbacks.apply_inbound(gateway_id, Inbound(**fields),
                                      partner_id=original.partner_id,
                                      environment=original.environment)
    return message.id if message else "dropped"
