"""Usage: `GET /usage` — messages, segments and cost per day or hour, by channel or status."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, WithJsonSchema

from app.api.principal import Principal
from app.api.schemas import (
    Money,
    Strict,
    Timestamp,
)
from app.api.surfaces import v1 as surface
from app.services.billing import usage

# RFC 3339 date-times, or dates meaning their midnight UTC. (An offset's `+` that arrived
# as a space, from an unencoded URL, is also read: a courtesy left out of the schema.)
QueryTime = Annotated[datetime, BeforeValidator(usage.parse_time), WithJsonSchema(
    {"anyOf": [{"type": "string", "format": "date-time"}, {"type": "string", "format": "date"}],
     "examples": ["2026-05-01T00:00:00Z", "2026-05-01T02:00:00+02:00", "2026-05-01"]})]


class UsageQuery(Strict):
    start: QueryTime | None = Field(
        None, alias="from",
        description="Start (inclusive), RFC 3339. Default: `to` minus 30 days (day) or 24 hours "
                    "(hour).")
    end: QueryTime | None = Field(
        None, alias="to",
        description="End (exclusive), RFC 3339. Default: the end of the current UTC day or "
                    "hour.")
    granularity: Literal["day", "hour"] = Field(
        "day", description="Period length, in UTC. Ranges span at most 366 days by day and "
                           "31 days by hour.")
    group_by: Literal["channel", "status"] = "channel"
    direction: Literal["outbound", "inbound"] | None = Field(
        None, description="Count only messages sent (`outbound`) or received (`inbound`); "
                          "default both.")


class UsageTotals(BaseModel):
    model_config = ConfigDict(extra="forbid")

    messages: int
    segments: int
    cost_estimate: Money
    cost: Money


class UsageRow(BaseModel):
    model_config = ConfigDict(extra="forbid")

    period_start: Timestamp
    group: str = Field(description="The channel or status this row counts.",
                       examples=["sms", "delivered"])
    messages: int
    segments: int
    cost_estimate: Money
    cost: Money = Field(description="What was charged and kept: failed and bounced messages "
                                    "are refunded and count 0.")


class Usage(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    object: Literal["usage"]
    start: Timestamp = Field(alias="from")
    end: Timestamp = Field(alias="to")
    granularity: Literal["day", "hour"]
    group_by: Literal["channel", "status"]
    direction: Literal["outbound", "inbound"] | None
    currency: str = Field(examples=["USD"])
    totals: UsageTotals
    data: list[UsageRow]


@surface.endpoint("/usage", "GET", summary="Get usage statistics", tags=("Usage",),
                  query=UsageQuery, response=Usage)
def get_usage(principal: Principal, query: UsageQuery):
    """Messages, segments and cost of your key's environment per UTC day or hour.

    Computed from the messages themselves at request time; periods without messages are
    left out of `data`.
    """
    return usage.usage(principal.partner_id, principal.environment, start=query.start,
                       end=query.end, granularity=query.granularity, group_by=query.group_by,
                       direction=query.direction)
