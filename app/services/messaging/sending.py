"""One send attempt, end to end: claim → gateway → adapter → outcome → what happens next.

Called by the `send_message` job. Everything that must survive a crash is in the
database before anything is enqueued; enqueueing happens after commit and, if Redis is
unreachable, is left to the sweeper.

An attempt that may have reached the provider unanswered (`SendResult.unconfirmed`: a
timeout, a dropped connection) marks the message `unconfirmed_at` and waits at least
SEND_UNCONFIRMED_RETRY_SECONDS, so receipts naming the message can arrive (`callbacks`
matches them by the reference the provider echoes, and they end the retry). The next
attempt then asks the provider, where the adapter offers `find_sent`, before sending again.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select

from app.channels import gateways as adapters
from app.channels.gateways import GatewayConfig, Inbound, Outbound, SendResult, StatusUpdate
from app.extensions import db
from app.models import Message
from app.services import tx
from app.services.messaging import callbacks, delivery, fallback, gateways
from app.services.queue import enqueue_quietly

# The pending marker's kind for a sandbox message's scripted callbacks (`app.services.queue`).
CALLBACK_MARKER = "sandbox-callback"


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
    unconfirmed_at = message.unconfirmed_at
    tx.commit()  # keep a new sandbox gateway row; hold no lock while the provider answers
    adapter = adapters.adapter_for(config.provider)
    found = _already_sent(adapter, outbound, config, unconfirmed_at)
    if found is not None:
        return record(message_id, config, found)
    return record(message_id, config, adapter.send(outbound, config))


def _already_sent(adapter, outbound: Outbound, config: GatewayConfig,
                  unconfirmed_at: datetime | None) -> SendResult | None:
    """After an unanswered attempt, the provider's record of the message, if it has one.

    Candidates the provider lists are checked against the provider ids other messages of
    this gateway already hold, so another message's send is never taken for this one.
    """
    find_sent = getattr(adapter, "find_sent", None)
    if unconfirmed_at is None or find_sent is None:
        return None
    candidates = find_sent(outbound, config, unconfirmed_at) or []
    ids = [c.provider_message_id for c in candidates if c.provider_message_id]
    taken = set(db.session.scalars(select(Message.provider_message_id).where(
        Message.gateway_id == config.id, Message.provider_message_id.in_(ids),
        Message.id != outbound.message_id))) if ids else set()
    tx.end_read()
    mine = [c for c in candidates if c.provider_message_id not in taken]
    if mine:
        current_app.logger.info("message %s was already accepted by %s as %s: not sent again",
                                outbound.message_id, config.provider,
                                mine[-1].provider_message_id)
    return mine[-1] if mine else None  # the oldest: the first unanswered attempt's


def outbound_of(message: Message) -> Outbound:
    return Outbound(message_id=message.id, channel=message.channel, to=message.to_address,
                    from_=message.from_address, text=message.text, subject=message.subject,
                    html=message.html, title=message.title, template=message.template,
                    language=message.language, variables=dict(message.variables or {}),
                    attempt=message.retry_count)


def record(message_id: str, gateway: GatewayConfig, result: SendResult,
           receipts: list[Receipt] | None = None) -> str:
    """Store the outcome of an attempt and schedule what follows it.

    A receipt due at once is played after the commit, or, when `receipts` is given, added
    to it for the caller to play with others (`play_receipts`).
    """
    message = db.session.get(Message, message_id, with_for_update=True, populate_existing=True)
    if result.accepted:
        for callback in result.scheduled:  # registered first: they run once this commits
            schedule_callback(gateway.id, message_id, callback.item, callback.after_seconds,
                              receipts)
        delivery.record_accepted(message, gateway.id, result.provider_message_id,
                                 result.cost_micros)
        return "sent"
    if result.failure == "transient":
        retry_after = result.retry_after_seconds
        if result.unconfirmed:
            delivery.mark_unconfirmed(message, gateway.id)
            retry_after = max(retry_after or 0.0,
                              float(current_app.config["SEND_UNCONFIRMED_RETRY_SECONDS"]))
        delay = delivery.record_transient(message, result.error or "transient failure",
                                          retry_after)
        if delay is None:
            return "failed"
        delivery.schedule_attempt(message_id, delay)
        return "retrying"
    if result.failure == "not_capable" and message.channel == "rcs":
        fallback.fall_back_to_sms(message, result.error or "recipient is not RCS-capable")
        return "fallback"
    delivery.fail(message, result.error or "permanent failure")
    return "failed"


@dataclass(frozen=True)
class Receipt:
    """A scripted receipt due at once, to play once its message's send has committed."""

    gateway_id: str
    message_id: str
    payload: dict


def _enqueue_callback(gateway_id: str, message_id: str, payload: dict, after: float) -> None:
    enqueue_quietly("jobs.callbacks.play_sandbox_callback", gateway_id, message_id,
                    payload, queue="default", delay_seconds=after,
                    marker=(CALLBACK_MARKER, message_id))


def schedule_callback(gateway_id: str, message_id: str, item: StatusUpdate | Inbound,
                       after: float, receipts: list[Receipt] | None = None) -> None:
    kind = "status" if isinstance(item, StatusUpdate) else "inbound"
    payload = {"kind": kind, **asdict(item)}

    def enqueue():
        _enqueue_callback(gateway_id, message_id, payload, after)

    if after > 0 or kind != "status":
        tx.after_commit(enqueue)
        return
    if receipts is not None:  # the caller plays it, once the send has committed
        tx.after_commit(lambda: receipts.append(Receipt(gateway_id, message_id, payload)))
        return

    def play_now():
        # A receipt due at once is played by this job once the send commits: a job of its
        # own cost RQ a dozen Redis commands per message (bench worker_dispatch).
        try:
            callbacks.play_scripted(gateway_id, message_id, payload)
        except Exception:  # noqa: BLE001 - the send is committed; let a job try the receipt
            db.session.rollback()
            current_app.logger.exception("sandbox receipt for %s failed inline", message_id)
            enqueue()

    tx.after_commit(play_now)


def play_receipts(receipts: list[Receipt]) -> None:
    """Play receipts due at once in one transaction, their changes written together (a
    statement per kind, not per receipt); when that fails, a job each."""
    if not receipts:
        return
    by_gateway: dict[str, list[dict]] = {}
    for receipt in receipts:
        by_gateway.setdefault(receipt.gateway_id, []).append(receipt.payload)
    try:
        with tx.unit_of_work(batched=True):
            for gateway_id, payloads in by_gateway.items():
                callbacks.play_scripted_statuses(gateway_id, payloads)
    except Exception:  # noqa: BLE001 - the sends are committed; let jobs try the receipts
        db.session.rollback()
        current_app.logger.exception("%d sandbox receipts failed inline", len(receipts))
        for receipt in receipts:
            _enqueue_callback(receipt.gateway_id, receipt.message_id, receipt.payload, 0)
