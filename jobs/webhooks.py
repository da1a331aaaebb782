"""Outbound webhooks, on the `webhooks` queue: fan-out of events, one delivery attempt."""

from __future__ import annotations

from app.services.webhooks import delivery as webhook_delivery

queue = "webhooks"


def fan_out_event(event_id: str) -> int:
    """Create and enqueue the event's deliveries (once); return how many were created."""
    return len(webhook_delivery.fan_out(event_id))


def deliver(delivery_id: str) -> str:
    """Make one attempt at a webhook delivery (a no-op when it is not due)."""
    return webhook_delivery.attempt(delivery_id)
