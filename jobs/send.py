"""Sending messages, on the `send` queue."""

from __future__ import annotations

from app.services.messaging import drain, sending

queue = "send"


def send_message(message_id: str) -> str:
    """Make one delivery attempt for the message (a no-op when it is not due)."""
    return sending.attempt(message_id)


def send_queued() -> str:
    """Send the queued messages, a batch at a time, while this job has time."""
    return drain.send_queued()
