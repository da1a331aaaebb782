"""The sandbox simulator's receipts and replies, played back on the `default` queue."""

from __future__ import annotations

from app.services.messaging import callbacks

queue = "default"


def play_sandbox_callback(gateway_id: str, message_id: str, payload: dict) -> str:
    """Feed one scripted receipt or reply through the same path as provider webhooks."""
    return callbacks.play_scripted(gateway_id, message_id, payload)
