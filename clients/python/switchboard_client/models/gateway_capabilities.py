from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

T = TypeVar("T", bound="GatewayCapabilities")


@_attrs_define
class GatewayCapabilities:
    """
    Attributes:
        delivery_receipts (bool):
        read_receipts (bool):
        bounces (bool):
    """

    delivery_receipts: bool
    read_receipts: bool
    bounces: bool

    def to_dict(self) -> dict[str, Any]:
        delivery_receipts = self.delivery_receipts

        read_receipts = self.read_receipts

        bounces = self.bounces

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "delivery_receipts": delivery_receipts,
                "read_receipts": read_receipts,
                "bounces": bounces,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        delivery_receipts = d.pop("delivery_receipts")

        read_receipts = d.pop("read_receipts")

        bounces = d.pop("bounces")

        gateway_capabilities = cls(
            delivery_receipts=delivery_receipts,
            read_receipts=read_receipts,
            bounces=bounces,
        )

        return gateway_capabilities
