"""Gateway adapters, one per provider wire format, and the in-process sandbox."""

from __future__ import annotations

import importlib

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

# provider name → "module:Class" under app.channels.gateways; imported on first use.
ADAPTERS = {
    "twilio": "twilio:TwilioAdapter",
    "whatsapp_cloud": "whatsapp_cloud:WhatsAppCloudAdapter",
    "meta_graph": "meta_graph:MetaGraphAdapter",
    "rbm": "rbm:RbmAdapter",
    "fcm": "fcm:FcmAdapter",
    "smtp": "smtp:SmtpAdapter",
    "telegram": "telegram:TelegramAdapter",
    "viber": "viber:ViberAdapter",
    "line": "line:LineAdapter",
    "webchat": "webchat:WebchatAdapter",
}


def adapter_for(provider: str) -> Adapter:
    """The adapter speaking `provider`'s wire format."""
    if provider == "sandbox":
        from app.channels.gateways.sandbox import SandboxAdapter

        return SandboxAdapter(receipt_delay=float(current_app.config["SANDBOX_RECEIPT_DELAY"]))
    target = ADAPTERS.get(provider)
    if target is None:
        raise LookupError(f"no adapter for provider {provider!r}")
    module_name, class_name = target.split(":")
    try:
        module = importlib.import_module(f"app.channels.gateways.{module_name}")
    except ModuleNotFoundError as exc:
        raise LookupError(f"no adapter for provider {provider!r}") from exc
    return getattr(module, class_name)()


__all__ = ["Adapter", "GatewayConfig", "Inbound", "InvalidSignature", "Outbound",
           "ScheduledCallback", "SendResult", "StatusUpdate", "adapter_for"]
