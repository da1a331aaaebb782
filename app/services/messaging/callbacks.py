"""What providers (and the sandbox simulator) report back: receipts and inbound messages.

`/hooks/<gateway>` verifies a provider's signature and hands the parsed items here; the
sandbox's scripted receipts and replies arrive here too, so both take the same path.
"""

from __future__ import annotations

from flask import current_app
from sqlalchemy import select

from app.channels.gateways import Inbound, StatusUpdate
from app.extensions import db
from app.models import Gateway, Message
from app.services import tx
from app.services.messaging import delivery, fallback, routing
from app.services.messaging import inbound as inbound_messages


def apply_status(gateway_id: str, update: StatusUpdate) -> str:
    """Apply a delivery report; unknown messages are logged and acknowledged."""
    return apply_statuses(gateway_id, [update])[0]


def apply_statuses(gateway_id: str, updates: list[StatusUpdate]) -> list[str]:
    """Apply a gateway's delivery reports in order, in one transaction, the messages they
    name locked by one statement (in id order, as every batch locks them, so two batches
    never deadlock)."""
    with tx.unit_of_work():
        ids = list({u.provider_message_id for u in updates if u.provider_message_id})
        found = {message.provider_message_id: message for message in db.session.scalars(
            select(Message).where(Message.gateway_id == gateway_id,
                                  Message.provider_message_id.in_(ids))
            .order_by(Message.id).with_for_update())}
        return [_apply(gateway_id, update, found.get(update.provider_message_id))
                for update in updates]


def _apply(gateway_id: str, update: StatusUpdate, message: Message | None) -> str:
    if message is None and update.reference:
        message = _by_reference(gateway_id, update)
    if message is None:
        current_app.logger.info("report for unknown message %s on %s acknowledged",
                                update.provider_message_id, gateway_id)
        tx.commit()
        return "unknown"
    if update.cost_micros is not None and message.status not in ("failed", "bounced"):
        message.cost_micros = update.cost_micros
    if update.status == "soft_bounced":
        return _soft_bounce(message, update.error or "transient bounce")
    if update.status == "not_capable" and message.channel == "rcs":
        fallback.fall_back_to_sms(message, update.error or "recipient is not RCS-capable")
        return "fallback"
    if update.status in ("failed", "bounced"):
        changed = delivery.fail(message, update.error or update.status, status=update.status)
        return update.status if changed else "ignored"
    changed = delivery.change_status(message, update.status, update.occurred_at)
    tx.commit()
    return update.status if changed else "ignored"


def _by_reference(gateway_id: str, update: StatusUpdate) -> Message | None:
    """The message a report names by our own id: one sent through this very gateway whose
    answer (with the provider's id) was lost. The report shows that attempt went out."""
    message = db.session.scalar(
        select(Message).where(Message.id == update.reference, Message.gateway_id == gateway_id,
                              Message.direction == "outbound")
        .with_for_update())
    if message is None or message.provider_message_id not in (None,
                                                               update.provider_message_id):
        return None
    message.provider_message_id = update.provider_message_id
    if message.unconfirmed_at is not None and update.status != "soft_bounced":
        delivery.confirm_sent(message)
        if update.status in ("delivered", "read"):
            delivery.change_status(message, "sent", update.occurred_at)
    return message


def _soft_bounce(message: Message, error: str) -> str:
    """A transient bounce counts against the retry budget like any transient failure."""
    if message.status in ("failed", "bounced", "delivered", "read"):
        tx.commit()
        return "ignored"
    delay = delivery.record_transient(message, error)
    if delay is None:
        return "failed"
    delivery.schedule_attempt(message.id, delay)
    return "retrying"


def apply_inbound(gateway_id: str, inbound: Inbound, partner_id: str | None = None,
                  environment: str | None = None, raw_payload: str = "") -> Message | None:
    """Record an inbound message for the gateway's partner (or the one given); on a shared
    gateway, for the partner its receiving address routes to, else hold it (None)."""
    gateway = db.session.get(Gateway, gateway_id)
    if partner_id is None and gateway is not None and gateway.partner_id is not None:
        partner_id, environment = gateway.partner_id, gateway.environment
    if partner_id is None and gateway is not None:
        route = routing.route_or_hold(gateway, inbound, raw_payload)
        if route is None:
            current_app.logger.info("inbound on shared gateway %s for unrouted address %s: "
                                    "held", gateway_id, inbound.to_address)
            return None
        partner_id, environment = route.partner_id, route.environment
    environment = environment or (gateway.environment if gateway else None)
    if partner_id is None or environment is None:
        current_app.logger.info("inbound for unknown gateway %s: dropped", gateway_id)
        tx.commit()
        return None
    return inbound_messages.receive(partner_id, environment, gateway_id, inbound)


def play_scripted(gateway_id: str, message_id: str, payload: dict) -> str:
    """Feed one of the sandbox's scripted receipts or replies (`kind` status or inbound)
    through the same path as provider webhooks."""
    fields = _fields(payload)
    if payload["kind"] == "status":
        return apply_status(gateway_id, StatusUpdate(**fields))
    original = db.session.get(Message, message_id)
    message = apply_inbound(gateway_id, Inbound(**fields), partner_id=original.partner_id,
                            environment=original.environment)
    return message.id if message else "dropped"


def play_scripted_statuses(gateway_id: str, payloads: list[dict]) -> list[str]:
    """Feed a gateway's scripted receipts (`kind` status) through `apply_statuses`."""
    return apply_statuses(gateway_id, [StatusUpdate(**_fields(payload)) for payload in payloads])


def _fields(payload: dict) -> dict:
    return {k: v for k, v in payload.items() if k != "kind"}
