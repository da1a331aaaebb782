"""The dispatch step: what happens once an event has committed, for every kind of listener.

`events.record` enqueues `jobs.events.dispatch_event` after the change commits (and the
sweeper enqueues it again for any event left undispatched). The step claims the event by
setting its `dispatched_at`, so it runs once however often it is enqueued, and in that one
transaction writes the event's webhook deliveries and picks the agents whose phones hear
of it; their jobs are enqueued once it commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from app.services import events, tx
from app.services.mobile import push as agent_push
from app.services.webhooks import delivery as webhook_delivery


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
