"""One send attempt, end to end: claim → gateway → adapter → outcome → what happens next.

Called by the `send_message` job. Everything that must survive a crash is in the
database before anything is enqueued; enqueueing happens after commit and, if Redis is
unreachable, is left to the sweeper.
"""

from __future__ import annotations

from dataclasses import asdict

from app.channels import gateways as adapters
from app.channels.gateways import GatewayConfig, Inbound, Outbound, SendResult, StatusUpdate
from app.extensions import db
from app.models import Message
from app.services import tx
from app.services.messaging import delivery, fallback, gateways
from app.services.queue import enqueue_quietly


def attempt(message_id: str) -> str:
    """Make one attempt at sending the message; return what happened, for the job's result."""
    message = delivery.claim(message_id)
    if message is None:
        return "skipped"
    gateway = gateways.gateway_for(message.partner_id, message.environment, message.channel)
    if gateway is None:
        delivery.fail(message, f"no active gateway for {message.channel} in "
                      f"{message.environment}")
        return "failed"
    config = gateways.gateway_config(gateway)
    outbound = outbound_of(message)
    tx.commit()  # keep a new sandbox gateway row; hold no lock while the provider answers
    result = adapters.adapter_for(config.provider).send(outbound, config)
    return record(message_id, config, result)


def outbound_of(message: Message) -> Outbound:
    return Outbound(message_id=message.id, channel=message.channel, to=message.to_address,
                    from_=message.from_address, text=message.text, subject=message.subject,
                    html=message.html, title=message.title, template=message.template,
                    language=message.language, variables=dict(message.variables or {}),
                    attempt=message.retry_count)


def record(message_id: str, gateway: GatewayConfig, result: SendResult) -> str:
    """Store the outcome of an attempt and schedule what follows it."""
    message = db.session.get(Message, message_id, with_for_update=True, populate_existing=True)
    if result.accepted:
        for callback in result.scheduled:  # registered first: they run once this commits
            schedule_callback(gateway.id, message_id, callback.item, callback.after_seconds)
        delivery.record_accepted(message, gateway.id, result.provider_message_id,
                                 result.cost_micros)
        return "sent"
    if result.failure == "transient":
        delay = delivery.record_transient(message, result.error or "transient failure",
                                          result.retry_after_seconds)
        if delay is None:
            return "failed"
        delivery.schedule_attempt(message_id, delay)
        return "retrying"
    if result.failure == "not_capable" and message.channel == "rcs":
        fallback.fall_back_to_sms(message, result.error or "recipient is not RCS-capable")
        return "fallback"
    delivery.fail(message, result.error or "permanent failure")
    return "failed"


def schedule_callback(gateway_id: str, message_id: str, item: StatusUpdate | Inbound,
                       after: float) -> None:
    kind = "status" if isinstance(item, StatusUpdate) else "inbound"
    payload = {"kind": kind, **asdict(item)}
    tx.after_commit(lambda: enqueue_quietly("jobs.callbacks.play_sandbox_callback", gateway_id,
                                            message_id, payload, queue="default",
                                            delay_seconds=after))
