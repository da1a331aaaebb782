from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from attrs import define as _attrs_define

from ..models.channel_pricing_unit import ChannelPricingUnit

if TYPE_CHECKING:
    from ..models.channel_pricing_by_country_code import ChannelPricingByCountryCode


T = TypeVar("T", bound="ChannelPricing")


@_attrs_define
class ChannelPricing:
    """
    Attributes:
        currency (str):
        unit (ChannelPricingUnit): What one unit price buys: a message, or an SMS segment.
        default (str): Unit price for destinations not listed below.
        by_country_code (ChannelPricingByCountryCode): Unit prices by the recipient's country calling code ("1", "44",
            ...).
    """

    currency: str
    unit: ChannelPricingUnit
    default: str
    by_country_code: ChannelPricingByCountryCode

    def to_dict(self) -> dict[str, Any]:
        currency = self.currency

        unit = self.unit.value

        default = self.default

        by_country_code = self.by_country_code.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "currency": currency,
                "unit": unit,
                "default": default,
                "by_country_code": by_country_code,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.channel_pricing_by_country_code import ChannelPricingByCountryCode  # noqa: PLC0415

        d = dict(src_dict)
        currency = d.pop("currency")

        unit = ChannelPricingUnit(d.pop("unit"))

        default = d.pop("default")

        by_country_code = ChannelPricingByCountryCode.from_dict(d.pop("by_country_code"))

        channel_pricing = cls(
            currency=currency,
            unit=unit,
            default=default,
            by_country_code=by_country_code,
        )

        return channel_pricing
