"""The delivery state machine: claim, record outcomes, retry, fail with refund.

Status only moves forward: queued → sending → sent → delivered → read, or to `failed`
(from queued, sending or sent) or `bounced` (email; from sending, sent or delivered).
Each change is a `message_events` row with the next per-message sequence number; a late
or duplicated report that would not move the status forward changes nothing.

A message is claimed for an attempt by one atomic UPDATE that also sets a lease
(`next_attempt_at`); a worker killed mid-send leaves the lease to expire, after which the
sweeper enqueues the message again. The charge was taken when the message was accepted, so
another attempt never charges again, and the refund is guarded by a unique ledger row.
"""

from __future__ import annotations

import contextlib
import random
from datetime import datetime, timedelta

import redis
from flask import current_app
from sqlalchemy import and_, or_, select, update

from app import money
from app.channels import registry
from app.extensions import db, redis_connection
from app.models import Message, MessageEvent
from app.models.base import utcnow
from app.services import events, tx
from app.services.billing import wallet
from app.services.messaging.objects import message_to_api
from app.services.queue import enqueue_many_quietly, enqueue_quietly, lease_job_timeout

# The pending marker's kind for a message's send job (`app.services.queue`).
MARKER = "message"
RANK = {"queued": 0, "sending": 1, "sent": 2, "delivered": 3, "read": 4}
FAIL_FROM = {"queued", "sending", "sent"}
BOUNCE_FROM = {"sending", "sent", "delivered"}
EVENT_FOR = {"sent": "message.sent", "delivered": "message.delivered", "read": "message.read",
             "failed": "message.failed", "bounced": "message.bounced"}
# Set while a job sending the queued messages (`messaging.drain`) waits in the queue; its
# TTL bounds a stale flag's delay.
SENDING_QUEUED = "switchboard:send:queued"
SENDING_FLAG_TTL = 60


def retry_delay(retry_number: int) -> float:
    """Seconds before retry `retry_number` (1-based): the configured schedule, with jitter."""
    delays = current_app.config["SEND_RETRY_DELAYS"] or (0.0,)
    base = delays[min(retry_number - 1, len(delays) - 1)]
    return base * random.uniform(0.8, 1.2) if base > 0 else 0.0


def max_attempts(channel: str) -> int:
    """How many attempts a message on this channel gets before it fails."""
    override = current_app.config.get("SEND_MAX_ATTEMPTS")
    return int(override) if override else registry.get(channel).max_attempts


def schedule_attempt(message_id: str, delay: float = 0) -> None:
    """Enqueue an attempt after `delay` seconds (the sweeper covers a lost enqueue).

    The job dies before its lease ends, so no sweeper starts a second attempt beside it.
    """
    enqueue_quietly("jobs.send.send_message", message_id, queue="send", delay_seconds=delay,
                    job_timeout=send_job_timeout(), marker=(MARKER, message_id))


def schedule_attempts(message_ids: list[str]) -> None:
    """Enqueue a first attempt for each message in one Redis round trip (or leave them to
    the sweeper when Redis is down), with the same job timeout as `schedule_attempt`."""
    enqueue_many_quietly("jobs.send.send_message", [(message_id,) for message_id in message_ids],
                         queue="send", marker_kind=MARKER, job_timeout=send_job_timeout())


def send_job_timeout() -> int:
    """The timeout of every send job: below the lease it takes, so no sweeper starts a second
    attempt beside a running one."""
    return lease_job_timeout(int(current_app.config["SEND_LEASE_SECONDS"]))


def schedule_sending() -> bool:
    """Make sure a job sending the queued messages is on its way: enqueue one unless one is
    already waiting (whether this call enqueued it). Accepting messages calls this once they
    commit, so a burst of sends costs a few jobs, not one each; a lost enqueue is left to the
    sweeper, which calls it too."""
    try:
        if not redis_connection.client.set(SENDING_QUEUED, "1", nx=True,
                                           ex=SENDING_FLAG_TTL):
            return False
    except redis.RedisError:
        current_app.logger.warning("could not schedule sending; the sweeper will")
        return False
    if enqueue_quietly("jobs.send.send_queued", queue="send",
                       job_timeout=send_job_timeout()) is None:
        sending_starting()  # nothing is on its way after all
        return False
    return True


def sending_starting() -> None:
    """A job sending the queued messages has started: messages committed from now on
    schedule another one."""
    with contextlib.suppress(redis.RedisError):  # else the flag expires by itself
        redis_connection.client.delete(SENDING_QUEUED)


def claim(message_id: str) -> Message | None:
    """Take the message for one attempt, or None when it is not due (done, or leased)."""
    now = utcnow()
    lease = timedelta(seconds=int(current_app.config["SEND_LEASE_SECONDS"]))
    claimed = db.session.execute(
        update(Message)
        .where(Message.id == message_id, Message.direction == "outbound", or_(
            Message.status == "queued",
            and_(Message.status.in_(("sending", "sent")), Message.next_attempt_at.is_not(None),
                 Message.next_attempt_at <= now),
        ))
        .values(next_attempt_at=now + lease)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        tx.commit()
        return None
    message = db.session.get(Message, message_id, populate_existing=True)
    if message.status == "queued":
        _change(message, "sending", now)
    tx.commit()
    return message


def change_status(message: Message, status: str, occurred_at: datetime | None = None,
                  detail: str | None = None) -> bool:
    """Move the message forward if `status` is ahead of it; False when it changes nothing."""
    current = message.status
    if current in ("failed", "bounced"):
        return False
    if status in RANK:
        if RANK[status] <= RANK.get(current, 0):
            return False
    elif status == "failed":
        if current not in FAIL_FROM:
            return False
    elif status == "bounced":
        if current not in BOUNCE_FROM:
            return False
    else:
        raise ValueError(f"unknown status {status}")
    _change(message, status, occurred_at or utcnow(), detail)
    return True


def _change(message: Message, status: str, occurred_at: datetime, detail: str | None = None
            ) -> None:
    message.status = status
    message.status_sequence = (message.status_sequence or 0) + 1
    message.status_changed_at = utcnow()
    db.session.add(MessageEvent(
        partner_id=message.partner_id, environment=message.environment, message_id=message.id,
        sequence=message.status_sequence, status=status, detail=detail,
        occurred_at=occurred_at))
    if status in ("sent", "delivered", "read"):
        events.record(message.partner_id, message.environment, EVENT_FOR[status],
                      message_to_api(message), object_id=message.id)


def record_accepted(message: Message, gateway_id: str, provider_message_id: str | None,
                    cost_micros: int | None = None) -> None:
    """The gateway took the attempt: `sent` (or still `sent`, for an email resend)."""
    message.gateway_id = gateway_id
    message.provider_message_id = provider_message_id or message.provider_message_id
    message.next_attempt_at = message.unconfirmed_at = None
    # The provider's own price when it reports one (now or in a later receipt), else ours.
    if cost_micros is not None:
        message.cost_micros = cost_micros
    elif message.cost_micros is None:
        message.cost_micros = message.cost_estimate_micros
    change_status(message, "sent")
    tx.commit()


def mark_unconfirmed(message: Message, gateway_id: str) -> None:
    """The attempt through `gateway_id` may have gone out: keep which gateway, so receipts
    from it that name the message find it, and since when (the first such attempt)."""
    message.gateway_id = gateway_id
    message.unconfirmed_at = message.unconfirmed_at or utcnow()


def confirm_sent(message: Message) -> None:
    """A receipt shows an unanswered attempt went out: no attempt is due any more."""
    message.unconfirmed_at = message.next_attempt_at = None
    if message.cost_micros is None:
        message.cost_micros = message.cost_estimate_micros


def record_transient(message: Message, error: str, retry_after: float | None = None
                     ) -> float | None:
    """Count a transient failure; return the delay of the next attempt, or None when failed."""
    message.last_error = error
    if message.retry_count + 1 >= max_attempts(message.channel):
        fail(message, error)
        return None
    message.retry_count += 1
    delay = max(retry_delay(message.retry_count), retry_after or 0.0)
    message.next_attempt_at = utcnow() + timedelta(seconds=delay)
    tx.commit()
    return delay


def fail(message: Message, error: str, status: str = "failed") -> bool:
    """End the message as failed (or bounced), refund its charge and record the event."""
    message.last_error = error
    message.next_attempt_at = None
    if not change_status(message, status, detail=error):
        tx.commit()
        return False
    refund = _refund(message)
    data = message_to_api(message)
    data["refund"] = refund
    events.record(message.partner_id, message.environment, EVENT_FOR[status], data,
                  object_id=message.id)
    tx.commit()
    return True


def _refund(message: Message) -> dict | None:
    """Give back the message's charge, once; the ledger's unique row makes a second a no-op."""
    if not message.cost_estimate_micros:
        return None
    existing = db.session.scalar(select(wallet.WalletTransaction).where(
        wallet.WalletTransaction.message_id == message.id,
        wallet.WalletTransaction.type == "refund"))
    entry = existing or wallet.refund(message.partner_id, message.environment,
                                      message.cost_estimate_micros, message.id,
                                      "refund: message " + message.status)
    message.cost_micros = 0
    return {"transaction_id": entry.id, "amount": money.format_amount(entry.amount_micros),
            "currency": entry.currency}


def due_for_sweep(limit: int = 500) -> tuple[list[str], list[str]]:
    """Messages whose job looks lost: (ids stale in `queued`, ids leased and overdue).

    The queued ones are sent by the job that sends the queued messages (`schedule_sending`);
    the leased ones by a job each, unless one still waits (`queue.waiting`)."""
    now = utcnow()
    grace = timedelta(seconds=int(current_app.config["STALE_QUEUED_SECONDS"]))
    rows = db.session.execute(
        select(Message.id, Message.status).where(Message.direction == "outbound", or_(
            and_(Message.status == "queued", Message.status_changed_at <= now - grace),
            and_(Message.status.in_(("sending", "sent")), Message.next_attempt_at.is_not(None),
                 Message.next_attempt_at <= now - grace),
        )).order_by(Message.id).limit(limit)
    ).all()
    tx.end_read()
    return ([row.id for row in rows if row.status == "queued"],
            [row.id for row in rows if row.status != "queued"])
