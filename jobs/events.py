"""The dispatch of committed events, on the `webhooks` queue."""

from __future__ import annotations

from app.services import dispatch

queue = "webhooks"


def dispatch_pending() -> str:
    """Fan every undispatched event out to webhook endpoints and agents' phones."""
    done = dispatch.dispatch_pending()
    return f"{len(done.deliveries)} deliveries, {len(done.pushes)} pushes"
