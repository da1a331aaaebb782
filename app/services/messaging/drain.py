"""One send job drains the queue: the `queued` messages, claimed a batch per transaction.

Accepting messages makes sure one such job is on its way (`delivery.schedule_sending`, a
Redis flag the job clears as it starts, as events do for their dispatch), so a burst of
sends costs a few jobs, not one each. The rules of `delivery` hold for a batch as for one
message: the claiming UPDATE moves each message of the batch to `sending` with a lease
(`next_attempt_at`) and writes its status event, so a worker killed mid-batch leaves the
leases to expire and the sweeper enqueues each message again; the charge was taken at
acceptance, so nothing is charged twice. Each message is then sent and its outcome recorded
on its own (`sending.record`, one transaction), as a single attempt is: a crash can repeat
only the send in flight. Receipts due at once (the sandbox's) are played a batch per
transaction. A job that claims a full batch first makes sure another job is on its way, so
other workers join in and a crash leaves the rest of the queue a job; when its time runs
short it stops, and the messages it claimed but did not send get their lease back and a job
each.
"""

from __future__ import annotations

import time
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, insert, select, update

from app.channels import gateways as adapters
from app.channels.gateways import GatewayConfig
from app.extensions import db
from app.models import Message, MessageEvent
from app.models.base import new_id, utcnow
from app.services import tx
from app.services.messaging import delivery, gateways, sending

BATCH = 50  # messages claimed per transaction
# Messages one job sends before it hands the queue over to another: between the two a worker
# takes its other queues in turn, so events are dispatched while a backlog is still sending.
LIMIT = 100


def send_queued(limit: int = LIMIT) -> str:
    """Send the queued messages, oldest first, a batch at a time; a summary."""
    delivery.sending_starting()
    deadline = time.monotonic() + _budget()
    attempted = 0

    def out_of_time() -> bool:  # the job's first send always goes
        return attempted > 0 and time.monotonic() >= deadline

    while attempted < limit:
        if out_of_time():
            delivery.schedule_sending()  # the rest to another job
            break
        size = min(BATCH if _budget() > 0 else 1, limit - attempted)
        batch = claim_batch(size)
        if not batch:
            break
        if len(batch) == size:
            delivery.schedule_sending()  # more may be queued: let another worker join in
        for done in attempt_batch(batch, out_of_time):
            attempted += done
    else:
        delivery.schedule_sending()
    return f"{attempted} messages"


def _budget() -> float:
    """Seconds a job may keep starting sends: its timeout's four fifths, less one attempt."""
    return delivery.send_job_timeout() * 0.8 - float(current_app.config["GATEWAY_TIMEOUT_SECONDS"])


def claim_batch(limit: int) -> list[str]:
    """Take up to `limit` queued messages, oldest first, for an attempt each: `sending`,
    leased, their status events written (one transaction); their ids."""
    now = utcnow()
    lease_end = now + timedelta(seconds=int(current_app.config["SEND_LEASE_SECONDS"]))
    due = (select(Message.id).where(Message.status == "queued", Message.direction == "outbound")
           .order_by(Message.id).limit(limit))
    if db.engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    # The ids first, then an UPDATE of exactly those: as `IN (SELECT … LIMIT … FOR UPDATE
    # SKIP LOCKED)`, PostgreSQL may run the subquery again for each row it updates (a
    # nested-loop semi join), each run skipping the rows already taken, and so claim the
    # whole queue in one batch, far past its lease.
    ids = list(db.session.scalars(due))
    claimed = db.session.execute(
        update(Message)
        .where(Message.id.in_(ids), Message.status == "queued")
        .values(status="sending", status_sequence=func.coalesce(Message.status_sequence, 0) + 1,
                status_changed_at=now, updated_at=now, next_attempt_at=lease_end)
        .returning(Message.id, Message.partner_id, Message.environment, Message.status_sequence)
        .execution_options(synchronize_session=False)).all() if ids else []
    if not claimed:
        tx.end_read()
        return []
    db.session.execute(insert(MessageEvent), [
        {"id": new_id("mev"), "partner_id": partner_id, "environment": environment,
         "message_id": message_id, "sequence": sequence, "status": "sending", "detail": None,
         "occurred_at": now, "recorded_at": now}
        for message_id, partner_id, environment, sequence in claimed])
    tx.commit()
    return sorted(message_id for message_id, *_ in claimed)


def attempt_batch(message_ids: list[str], out_of_time):
    """Send each claimed message and record its outcome, yielding 1 per attempt; then play
    the batch's receipts. Messages left when `out_of_time()` says so are released, and so
    are those after an attempt that raised (which keeps its lease, as a failed job would)."""
    work, unrouted = _prepare(message_ids)
    for message_id, reason in unrouted:
        message = db.session.get(Message, message_id, with_for_update=True,
                                 populate_existing=True)
        delivery.fail(message, reason)
        yield 1
    receipts: list[sending.Receipt] = []
    for index, (message_id, config, outbound) in enumerate(work):
        if out_of_time():
            release([m for m, *_ in work[index:]])
            break
        try:
            result = adapters.adapter_for(config.provider).send(outbound, config)
            sending.record(message_id, config, result, receipts)
        except BaseException:
            db.session.rollback()
            release([m for m, *_ in work[index + 1:]])
            sending.play_receipts(receipts)
            raise
        yield 1
    sending.play_receipts(receipts)


def _prepare(message_ids: list[str]) -> tuple[list[tuple[str, GatewayConfig, object]],
                                              list[tuple[str, str]]]:
    """Each message's gateway and what its adapter sends; those without a gateway apart."""
    messages = db.session.scalars(select(Message).where(Message.id.in_(message_ids))
                                  .order_by(Message.id)).all()
    configs: dict[tuple[str, str, str], GatewayConfig | None] = {}
    work, unrouted = [], []
    for message in messages:
        key = (message.partner_id, message.environment, message.channel)
        if key not in configs:
            gateway = gateways.gateway_for(*key)
            configs[key] = gateways.gateway_config(gateway) if gateway is not None else None
        if configs[key] is None:
            unrouted.append((message.id, f"no active gateway for {message.channel} in "
                                         f"{message.environment}"))
        else:
            work.append((message.id, configs[key], sending.outbound_of(message)))
    tx.commit()  # keep a new sandbox gateway row; hold no lock while providers answer
    return work, unrouted


def release(message_ids: list[str]) -> None:
    """Give claimed messages that were not sent their lease back, and a job each."""
    if not message_ids:
        return
    db.session.execute(update(Message).where(Message.id.in_(message_ids),
                                             Message.status == "sending")
                       .values(next_attempt_at=utcnow())
                       .execution_options(synchronize_session=False))
    tx.commit()
    delivery.schedule_attempts(message_ids)
