from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="UsageRow")


@_attrs_define
class UsageRow:
    """
    Attributes:
        period_start (str):
        group (str): The channel or status this row counts.
        messages (int):
        segments (int):
        cost_estimate (str):
        cost (str): What was charged and kept: failed and bounced messages are refunded and count 0.
    """

    period_start: str
    group: str
    messages: int
    segments: int
    cost_estimate: str
    cost: str

    def to_dict(self) -> dict[str, Any]:
        period_start = self.period_start

        group = self.group

        messages = self.messages

        segments = self.segments

        cost_estimate = self.cost_estimate

        cost = self.cost

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "period_start": period_start,
                "group": group,
                "messages": messages,
                "segments": segments,
                "cost_estimate": cost_estimate,
                "cost": cost,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        period_start = d.pop("period_start")

        group = d.pop("group")

        messages = d.pop("messages")

        segments = d.pop("segments")

        cost_estimate = d.pop("cost_estimate")

        cost = d.pop("cost")

        usage_row = cls(
            period_start=period_start,
            group=group,
            messages=messages,
            segments=segments,
            cost_estimate=cost_estimate,
            cost=cost,
        )

        return usage_row
