from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="UsageTotals")


@_attrs_define
class UsageTotals:
    """
    Attributes:
        messages (int):
        segments (int):
        cost_estimate (str):
        cost (str):
    """

    messages: int
    segments: int
    cost_estimate: str
    cost: str

    def to_dict(self) -> dict[str, Any]:
        messages = self.messages

        segments = self.segments

        cost_estimate = self.cost_estimate

        cost = self.cost

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
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
        messages = d.pop("messages")

        segments = d.pop("segments")

        cost_estimate = d.pop("cost_estimate")

        cost = d.pop("cost")

        usage_totals = cls(
            messages=messages,
            segments=segments,
            cost_estimate=cost_estimate,
            cost=cost,
        )

        return usage_totals
