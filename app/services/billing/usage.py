"""Usage statistics: messages, segments and cost per UTC day or hour, from the messages table.

Computed at query time, not kept as counters, so they always agree with the messages
themselves. The database groups by period and channel/status (one index range scan on
`ix_messages_scope_created`); only the grouped rows come back to Python.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import case, func, literal_column, select

from app import money
from app.channels import registry
from app.errors import ApiError
from app.extensions import db
from app.models import Message
from app.models.base import UTCDateTime, isoformat, utcnow
from app.models.messaging import MESSAGE_STATUSES
from app.services.billing import wallet

GRANULARITIES = ("day", "hour")
GROUPS = ("channel", "status")
DIRECTIONS = ("outbound", "inbound")
# Failed and bounced messages are refunded in full: they cost nothing.
REFUNDED_STATUSES = ("failed", "bounced")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
STEP = {"day": timedelta(days=1), "hour": timedelta(hours=1)}
DEFAULT_SPAN = {"day": timedelta(days=30), "hour": timedelta(hours=24)}
MAX_SPAN = {"day": timedelta(days=366), "hour": timedelta(days=31)}

# RFC 3339 date-time (a space may stand for the `+` of an offset: an unencoded `+` in a
# query string arrives as one), or a bare date meaning its midnight UTC.
TIME_PATTERN = re.compile(
    r"^(\d{4}-\d{2}-\d{2})(?:[Tt](\d{2}:\d{2}:\d{2})(\.\d{1,9})?([Zz]|[+\- ]\d{2}:\d{2}))?$")


@dataclass(frozen=True)
class UsageRange:
    start: datetime
    end: datetime
    granularity: str


def parse_time(value: str) -> datetime:
    """Parse an RFC 3339 time (or a date, as its midnight UTC) to whole seconds UTC."""
    match = TIME_PATTERN.match(value)
    if match is None:
        raise ValueError("expected an RFC 3339 time such as 2026-05-23T14:22:17Z")
    day, clock, _fraction, offset = match.groups()
    if clock is None:
        text = f"{day}T00:00:00+00:00"
    else:
        offset = "+00:00" if offset in ("Z", "z") else offset.replace(" ", "+")
        text = f"{day}T{clock}{offset}"
    try:
        parsed = datetime.fromisoformat(text).astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValueError("not a valid date or time") from None
    # No message predates the Unix epoch; refusing earlier years also keeps every time
    # this endpoint prints a four-digit year.
    if parsed < EPOCH:
        raise ValueError("times before 1970-01-01T00:00:00Z are not accepted")
    return parsed


def _ceil(moment: datetime, granularity: str) -> datetime:
    floor = moment.replace(minute=0, second=0, microsecond=0)
    if granularity == "day":
        floor = floor.replace(hour=0)
    return floor if floor == moment else floor + STEP[granularity]


def resolve_range(start: datetime | None, end: datetime | None, granularity: str,
                  now: datetime | None = None) -> UsageRange:
    """The [start, end) a query covers; 400 invalid_parameter when empty or too long.

    `end` defaults to the end of the current UTC day or hour, `start` to `end` minus 30 days
    (day) or 24 hours (hour), so the default covers whole periods up to now.
    """
    if end is None:
        end = _ceil(now or utcnow(), granularity)
    if start is None:
        start = end - DEFAULT_SPAN[granularity]
    if start >= end:
        raise ApiError("invalid_parameter", "`from` must be before `to`.", param="to")
    if end - start > MAX_SPAN[granularity]:
        limit = "366 days" if granularity == "day" else "31 days"
        raise ApiError("invalid_parameter", f"Usage by {granularity} covers at most {limit} "
                       "per request; narrow `from`/`to`, or ask by day.", param="from")
    return UsageRange(start, end, granularity)


def _period_start(granularity: str):
    """The start of the UTC day or hour of `created_at` (stored naive UTC) in this dialect."""
    if db.session.get_bind().dialect.name == "postgresql":
        unit = {"day": "'day'", "hour": "'hour'"}[granularity]
        return func.date_trunc(literal_column(unit), Message.created_at, type_=UTCDateTime)
    pattern = {"day": "'%Y-%m-%d 00:00:00'", "hour": "'%Y-%m-%d %H:00:00'"}[granularity]
    return func.strftime(literal_column(pattern), Message.created_at, type_=UTCDateTime)


def _group_order(group_by: str):
    order = registry.names() if group_by == "channel" else list(MESSAGE_STATUSES)
    rank = {name: index for index, name in enumerate(order)}
    return lambda name: (rank.get(name, len(rank)), name)


def usage(partner_id: str, environment: str, *, start: datetime | None = None,
          end: datetime | None = None, granularity: str = "day", group_by: str = "channel",
          direction: str | None = None, now: datetime | None = None) -> dict:
    """The usage object of one partner and environment; only periods with messages are listed."""
    span = resolve_range(start, end, granularity, now)
    period = _period_start(granularity).label("period_start")
    group = (Message.channel if group_by == "channel" else Message.status).label("grp")
    charged = case((Message.status.in_(REFUNDED_STATUSES), 0),
                   else_=func.coalesce(Message.cost_micros, Message.cost_estimate_micros))
    statement = (
        select(period, group, func.count(Message.id), func.sum(Message.segments),
               func.sum(Message.cost_estimate_micros), func.sum(charged))
        .where(Message.partner_id == partner_id, Message.environment == environment,
               Message.created_at >= span.start, Message.created_at < span.end)
        .group_by(period, group)
    )
    if direction:
        statement = statement.where(Message.direction == direction)
    order = _group_order(group_by)
    rows = sorted(((period_start, name, int(messages), int(segments or 0), int(estimate or 0),
                    int(cost or 0))
                   for period_start, name, messages, segments, estimate, cost
                   in db.session.execute(statement)),
                  key=lambda row: (row[0], order(row[1])))
    return {
        "object": "usage",
        "from": isoformat(span.start),
        "to": isoformat(span.end),
        "granularity": granularity,
        "group_by": group_by,
        "direction": direction,
        "currency": wallet.get_wallet(partner_id, environment).currency,
        "totals": {
            "messages": sum(row[2] for row in rows),
            "segments": sum(row[3] for row in rows),
            "cost_estimate": money.format_price(sum(row[4] for row in rows)),
            "cost": money.format_price(sum(row[5] for row in rows)),
        },
        "data": [{"period_start": isoformat(period_start), "group": name, "messages": messages,
                  "segments": segments, "cost_estimate": money.format_price(estimate),
                  "cost": money.format_price(cost)}
                 for period_start, name, messages, segments, estimate, cost in rows],
    }


DELIVERED_STATUSES = ("delivered", "read")


def delivery_rates(partner_id: str, environment: str, *, start: datetime, end: datetime
                   ) -> list[dict]:
    """Per channel, outbound messages of [start, end): how many, how many delivered (or read),
    how many failed or bounced, and the delivery rate (None when nothing was sent)."""
    delivered = func.sum(case((Message.status.in_(DELIVERED_STATUSES), 1), else_=0))
    failed = func.sum(case((Message.status.in_(REFUNDED_STATUSES), 1), else_=0))
    rows = db.session.execute(
        select(Message.channel, func.count(Message.id), delivered, failed)
        .where(Message.partner_id == partner_id, Message.environment == environment,
               Message.direction == "outbound", Message.created_at >= start,
               Message.created_at < end)
        .group_by(Message.channel)).all()
    order = _group_order("channel")
    return [{"channel": channel, "messages": int(total), "delivered": int(ok or 0),
             "failed": int(bad or 0), "rate": (int(ok or 0) / total) if total else None}
            for channel, total, ok, bad in sorted(rows, key=lambda row: order(row[0]))]
