"""Outbound webhooks, on the `webhooks` queue: one delivery attempt."""

from __future__ import annotations

from app.services.webhooks import delivery as webhook_delivery

queue = "webhooks"


def deliver(delivery_id: str) -> str:
    """Make one attempt at a webhook delivery (a no-op when it is not due)."""
    return webhook_delivery.attempt(delivery_id)
