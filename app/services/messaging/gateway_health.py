"""How each gateway is doing, for operators: last success, last failure, and the error rate
over the last hour, from the status changes of the messages it carried (`sent` is a
success, `failed` a failure); credentials never leave the service layer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from app.extensions import db
from app.models import Gateway, Message, MessageEvent
from app.models.base import utcnow


@dataclass(frozen=True)
class Health:
    gateway: Gateway
    last_success: datetime | None
    last_failure: datetime | None
    sent_last_hour: int
    failed_last_hour: int

    @property
    def error_rate(self) -> float | None:
        """Failures over attempts that ended in the last hour; None with none."""
        total = self.sent_last_hour + self.failed_last_hour
        return self.failed_last_hour / total if total else None


def health(now: datetime | None = None) -> list[Health]:
    """Every gateway with its health, the platform's first, then by channel and name."""
    now = now or utcnow()
    hour_ago = now - timedelta(hours=1)
    outcome = MessageEvent.status.in_(("sent", "failed"))
    rows = db.session.execute(
        select(Message.gateway_id, MessageEvent.status, func.max(MessageEvent.occurred_at),
               func.sum(case((MessageEvent.occurred_at >= hour_ago, 1), else_=0)))
        .join(Message, Message.id == MessageEvent.message_id)
        .where(outcome, Message.gateway_id.is_not(None))
        .group_by(Message.gateway_id, MessageEvent.status)).all()
    stats: dict = {}
    for gateway_id, status, last, recent in rows:
        stats.setdefault(gateway_id, {})[status] = (last, int(recent or 0))
    gateways = db.session.scalars(select(Gateway).order_by(
        Gateway.partner_id.is_not(None), Gateway.channel, Gateway.name))
    found = []
    for gateway in gateways:
        mine = stats.get(gateway.id, {})
        sent, failed = mine.get("sent", (None, 0)), mine.get("failed", (None, 0))
        found.append(Health(gateway, sent[0], failed[0], sent[1], failed[1]))
    return found
