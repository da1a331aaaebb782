"""The sandbox's scripted receipts and replies, played again when Redis lost them.

The sandbox gateway answers a send with callbacks to play later (a delivery receipt, a
bounce, a reply); they wait in Redis as delayed jobs, so a Redis restart loses them and the
message would stay `sent` for ever, where a real provider would have called back. The
sweeper finds sandbox messages whose callback is overdue (past twice the receipt delay and
the sweep grace) and schedules them again. The script is a pure function of the message, and
playing a callback twice changes nothing: statuses only move forward, and an inbound reply
is recorded once per provider id.
"""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import aliased

from app.channels import gateways as adapters
from app.channels.gateways.sandbox import NO_RECEIPT, REPLY
from app.extensions import db
from app.models import Gateway, Message
from app.models.base import utcnow
from app.services import tx
from app.services.messaging import gateways, sending

# Past this age an overdue sandbox callback is no longer looked for.
WINDOW = timedelta(hours=24)
SWEEP_LIMIT = 500


def callbacks_due(limit: int = SWEEP_LIMIT) -> list[str]:
    """Ids of sandbox messages still waiting for a scripted receipt or reply that is overdue."""
    config = current_app.config
    cutoff = utcnow() - timedelta(seconds=2 * float(config["SANDBOX_RECEIPT_DELAY"])
                                  + int(config["STALE_QUEUED_SECONDS"]))
    reply = aliased(Message)
    awaiting_reply = and_(
        Message.status.in_(("delivered", "read")), Message.to_address.in_(REPLY),
        ~exists().where(reply.partner_id == Message.partner_id,
                        reply.environment == Message.environment,
                        reply.direction == "inbound",
                        reply.provider_message_id == "sbx_in_" + Message.id))
    rows = db.session.scalars(
        select(Message.id).join(Gateway, Gateway.id == Message.gateway_id).where(
            Message.environment == "sandbox", Message.direction == "outbound",
            Gateway.provider == "sandbox",
            Message.status_changed_at.between(cutoff - WINDOW, cutoff),
            or_(and_(Message.status == "sent", Message.to_address.not_in(NO_RECEIPT)),
                awaiting_reply))
        .order_by(Message.id).limit(limit)).all()
    tx.end_read()
    return list(rows)


def play_again(message_id: str) -> None:
    """Schedule the message's scripted callbacks again (played once this commits)."""
    message = db.session.get(Message, message_id)
    gateway = db.session.get(Gateway, message.gateway_id) if message else None
    if gateway is None or gateway.provider != "sandbox":
        tx.commit()
        return
    config = gateways.gateway_config(gateway)
    result = adapters.adapter_for(config.provider).send(sending.outbound_of(message), config)
    for callback in result.scheduled:
        sending.schedule_callback(gateway.id, message_id, callback.item, callback.after_seconds)
    tx.commit()
