"""The dispatch of committed events, on the `webhooks` queue."""

from __future__ import annotations

from app.services import dispatch

queue = "webhooks"


def dispatch_event(event_id: str) -> str:
    """Fan one event out to webhook endpoints and agents' phones (a no-op once done)."""
    done = dispatch.dispatch(event_id)
    return f"{len(done.deliveries)} deliveries, {len(done.pushes)} pushes"
