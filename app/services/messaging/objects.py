"""The message object of the API responses and webhook payloads (docs: api/messages)."""

from __future__ import annotations

from app.models import Message
from app.models.base import isoformat
from app.money import format_price


def message_to_api(message: Message) -> dict:
    """The message object of API responses and webhook payloads (docs/sending.md, "The
    message object")."""
    return {
        "id": message.id,
        "object": "message",
        "environment": message.environment,
        "channel": message.channel,
        "direction": message.direction,
        "to": message.to_address,
        "from": message.from_address,
        "status": message.status,
        "template": message.template,
        "language": message.language,
        "variables": message.variables,
        "text": message.text,
        "subject": message.subject,
        "html": message.html,
        "title": message.title,
        "segments": message.segments,
        "conversation_id": message.conversation_id,
        "contact_id": message.contact_id,
        "cost_estimate": format_price(message.cost_estimate_micros),
        "cost": format_price(message.cost_micros) if message.cost_micros is not None else None,
        "currency": message.currency,
        "gateway": message.gateway_id,
        "provider_message_id": message.provider_message_id,
        "retry_count": message.retry_count,
        "last_error": message.last_error,
        "fallback_of": message.fallback_of_id,
        "metadata": message.meta or {},
        "created_at": isoformat(message.created_at),
        "updated_at": isoformat(message.updated_at),
    }
