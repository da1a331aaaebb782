"""The sandbox gateway: in-process, opens no socket, plays out the magic recipients.

| recipient | outcome |
|---|---|
| `+15005550006`, `delivered@sandbox.switchboard.example`, anyone else | sent, then delivered |
| `+15005550001`, `invalid@sandbox.switchboard.example` | permanent failure (invalid address) |
| `+15005550002` | transient failures until the retry budget is spent |
| `+15005550003` | one transient failure, then sent and delivered |
| `+15005550004` | sent, never delivered (no receipt) |
| `bounce@sandbox.switchboard.example` | sent, then a permanent bounce |
| `softbounce@sandbox.switchboard.example` | sent, then transient bounces on every attempt |
| `reply@sandbox.switchboard.example`, `+15005550009` | delivered, then an inbound reply |
| `+15005550005` on `rcs` | not RCS-capable: falls back to SMS |

Receipts and replies come back as `ScheduledCallback`s that the delivery engine plays
through the same callback processing that real providers' webhooks go through.
"""

from __future__ import annotations

from app.channels.gateways.base import (
    GatewayConfig,
    Inbound,
    Outbound,
    ScheduledCallback,
    SendResult,
    StatusUpdate,
)

DOMAIN = "sandbox.switchboard.example"
DELIVERED = ("+15005550006", f"delivered@{DOMAIN}")
INVALID = ("+15005550001", f"invalid@{DOMAIN}")
ALWAYS_TRANSIENT = ("+15005550002",)
TRANSIENT_ONCE = ("+15005550003",)
NO_RECEIPT = ("+15005550004",)
NOT_RCS_CAPABLE = ("+15005550005",)
BOUNCE = (f"bounce@{DOMAIN}",)
SOFT_BOUNCE = (f"softbounce@{DOMAIN}",)
REPLY = (f"reply@{DOMAIN}", "+15005550009")
REPLY_TEXT = "Thanks! This is an automatic reply from the Switchboard sandbox."


class SandboxAdapter:
    provider = "sandbox"
    callback_secrets: tuple[str, ...] = ()  # no callbacks

    def __init__(self, receipt_delay: float = 1.0):
        self.receipt_delay = receipt_delay

    def send(self, outbound: Outbound, gateway: GatewayConfig) -> SendResult:
        """Decide the scripted outcome for the recipient; nothing leaves the process."""
        to = outbound.to
        provider_id = f"sbx_{outbound.message_id}"  # the message id: retries dedupe
        if to in INVALID:
            return SendResult(False, failure="permanent",
                              error="sandbox: invalid address (magic recipient)")
        if to in ALWAYS_TRANSIENT or (to in TRANSIENT_ONCE and outbound.attempt == 0):
            return SendResult(False, failure="transient",
                              error="sandbox: gateway temporarily unavailable (magic recipient)")
        if to in NOT_RCS_CAPABLE and outbound.channel == "rcs":
            return SendResult(False, failure="not_capable",
                              error="sandbox: recipient is not RCS-capable (magic recipient)")
        later: list[ScheduledCallback] = []
        if to in BOUNCE:
            later.append(self._after(StatusUpdate(provider_id, "bounced",
                                                  error="550 5.1.1 mailbox does not exist")))
        elif to in SOFT_BOUNCE:
            later.append(self._after(StatusUpdate(provider_id, "soft_bounced",
                                                  error="452 4.2.2 mailbox full")))
        elif to not in NO_RECEIPT:
            later.append(self._after(StatusUpdate(provider_id, "delivered")))
            if to in REPLY:
                later.append(ScheduledCallback(self.receipt_delay * 2, Inbound(
                    channel=outbound.channel, from_address=to, to_address=outbound.from_,
                    text=REPLY_TEXT, provider_message_id=f"sbx_in_{outbound.message_id}")))
        return SendResult(True, provider_message_id=provider_id, scheduled=later)

    def _after(self, update: StatusUpdate) -> ScheduledCallback:
        return ScheduledCallback(self.receipt_delay, update)

    def parse_callback(self, request, gateway: GatewayConfig):
        """The sandbox has no external callbacks: its receipts are played internally."""
        return []
