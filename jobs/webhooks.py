"""Outbound webhooks, on the `webhooks` queue: a delivery attempt, then its endpoint drained."""

from __future__ import annotations

from app.services.webhooks import drain

queue = "webhooks"


def deliver(delivery_id: str) -> str:
    """Attempt a webhook delivery (a no-op when it is not due), then the endpoint's other
    due deliveries while they succeed."""
    return drain.deliver(delivery_id)
