from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..models.usage_direction_type_0 import UsageDirectionType0
from ..models.usage_granularity import UsageGranularity
from ..models.usage_group_by import UsageGroupBy

if TYPE_CHECKING:
    from ..models.usage_row import UsageRow
    from ..models.usage_totals import UsageTotals


T = TypeVar("T", bound="Usage")


@_attrs_define
class Usage:
    """
    Attributes:
        object_ (Literal['usage']):
        from_ (str):
        to (str):
        granularity (UsageGranularity):
        group_by (UsageGroupBy):
        direction (None | UsageDirectionType0):
        currency (str):
        totals (UsageTotals):
        data (list[UsageRow]):
    """

    object_: Literal["usage"]
    from_: str
    to: str
    granularity: UsageGranularity
    group_by: UsageGroupBy
    direction: None | UsageDirectionType0
    currency: str
    totals: UsageTotals
    data: list[UsageRow]

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_

        from_ = self.from_

        to = self.to

        granularity = self.granularity.value

        group_by = self.group_by.value

        direction: None | str
        if isinstance(self.direction, UsageDirectionType0):
            direction = self.direction.value
        else:
            direction = self.direction

        currency = self.currency

        totals = self.totals.to_dict()

        data = []
        for data_item_data in self.data:
            data_item = data_item_data.to_dict()
            data.append(data_item)

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "object": object_,
                "from": from_,
                "to": to,
                "granularity": granularity,
                "group_by": group_by,
                "direction": direction,
                "currency": currency,
                "totals": totals,
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.usage_row import UsageRow  # noqa: PLC0415
        from ..models.usage_totals import UsageTotals  # noqa: PLC0415

        d = dict(src_dict)
        object_ = cast(Literal["usage"], d.pop("object"))
        if object_ != "usage":
            raise ValueError(f"object must match const 'usage', got '{object_}'")

        from_ = d.pop("from")

        to = d.pop("to")

        granularity = UsageGranularity(d.pop("granularity"))

        group_by = UsageGroupBy(d.pop("group_by"))

        def _parse_direction(data: object) -> None | UsageDirectionType0:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                direction_type_0 = UsageDirectionType0(data)

                return direction_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(None | UsageDirectionType0, data)

        direction = _parse_direction(d.pop("direction"))

        currency = d.pop("currency")

        totals = UsageTotals.from_dict(d.pop("totals"))

        data = []
        _data = d.pop("data")
        for data_item_data in _data:
            data_item = UsageRow.from_dict(data_item_data)

            data.append(data_item)

        usage = cls(
            object_=object_,
            from_=from_,
            to=to,
            granularity=granularity,
            group_by=group_by,
            direction=direction,
            currency=currency,
            totals=totals,
            data=data,
        )

        return usage
