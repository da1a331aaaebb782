"""Gateway adapters, one per provider wire format, and the in-process sandbox."""

from __future__ import annotations

from flask import current_app

from app.channels.gateways.base import (
    Adapter,
    GatewayConfig,
    Inbound,
    InvalidSignature,
    Outbound,
    ScheduledCallback,
    SendResult,
    StatusUpdate,
)


def adapter_for(provider: str) -> Adapter:
    """The adapter speaking `provider`'s wire format."""
    if provider == "sandbox":
        from app.channels.gateways.sandbox import SandboxAdapter

        return SandboxAdapter(receipt_delay=float(current_app.config["SANDBOX_RECEIPT_DELAY"]))
    adapters = _real_adapters()
    if provider not in adapters:
        raise LookupError(f"no adapter for provider {provider!r}")
    return adapters[provider]()


def _real_adapters() -> dict[str, type]:
    from app.channels.gateways.twilio import TwilioAdapter

    return {"twilio": TwilioAdapter}


__all__ = ["Adapter", "GatewayConfig", "Inbound", "InvalidSignature", "Outbound",
           "ScheduledCallback", "SendResult", "StatusUpdate", "adapter_for"]
