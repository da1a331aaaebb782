"""The dispatch step: what happens once an event has committed, for every kind of listener.

`events.record` makes sure a `jobs.events.dispatch_pending` job is on its way after the
change commits (and the sweeper does again for any event left undispatched). The job
dispatches every pending event, a batch per transaction. Each event is claimed by setting
its `dispatched_at` (one UPDATE for the batch), so it is dispatched once however many jobs
run, and in the claiming transaction its webhook deliveries are written (at once) and the
agents whose phones hear of it are
picked; their jobs are enqueued once it commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.services import events, tx
from app.services.mobile import push as agent_push
from app.services.webhooks import delivery as webhook_delivery

BATCH = 100


@dataclass(frozen=True)
class Dispatched:
    """What dispatching one event started: webhook delivery ids and pushed user ids."""

    deliveries: list[str] = field(default_factory=list)
    pushes: list[str] = field(default_factory=list)


def dispatch(event_id: str) -> Dispatched:
    """Fan the event out to webhook endpoints and agents' phones, once."""
    event = events.claim_for_dispatch(event_id)
    if event is None:
        tx.commit()
        return Dispatched()
    done = Dispatched(webhook_delivery.fan_out(event), agent_push.schedule_for_event(event))
    tx.commit()
    return done


def dispatch_pending(batch: int = BATCH) -> Dispatched:
    """Dispatch every event not yet dispatched, `batch` events per transaction."""
    events.dispatch_starting()
    done = Dispatched()
    while True:
        pending = events.undispatched(batch)
        if not pending:
            tx.end_read()
            return done
        claimed = events.claim_many_for_dispatch(pending)  # less those another dispatcher took
        done.deliveries.extend(webhook_delivery.fan_out_many(claimed))
        for event in claimed:
            done.pushes.extend(agent_push.schedule_for_event(event))
        tx.commit()
