from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..models.channel_out_address import ChannelOutAddress
from ..models.channel_out_name import ChannelOutName

if TYPE_CHECKING:
    from ..models.channel_pricing import ChannelPricing


T = TypeVar("T", bound="ChannelOut")


@_attrs_define
class ChannelOut:
    """One row of the channel matrix, exactly as `app.channels.as_api` serialises it.

    Attributes:
        object_ (Literal['channel']):
        name (ChannelOutName):
        address (ChannelOutAddress): Format of `to`: an E.164 number, an email address, a provider-scoped id or an FCM
            registration token.
        required (list[str]): Fields every send on this channel must carry.
        optional (list[str]): Further fields the channel accepts.
        one_of (list[list[str]]): Groups of fields of which one must be complete, e.g. whatsapp takes
            `template`+`language` or `text`; empty when `required` says it all.
        delivery_receipts (bool):
        read_receipts (bool):
        bounces (bool): Whether the channel reports bounces (email).
        max_length (int | None): Longest `text` in characters; null: no limit beyond the 1 MiB request body.
        pricing (ChannelPricing):
    """

    object_: Literal["channel"]
    name: ChannelOutName
    address: ChannelOutAddress
    required: list[str]
    optional: list[str]
    one_of: list[list[str]]
    delivery_receipts: bool
    read_receipts: bool
    bounces: bool
    max_length: int | None
    pricing: ChannelPricing

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_

        name = self.name.value

        address = self.address.value

        required = self.required

        optional = self.optional

        one_of = []
        for one_of_item_data in self.one_of:
            one_of_item = one_of_item_data

            one_of.append(one_of_item)

        delivery_receipts = self.delivery_receipts

        read_receipts = self.read_receipts

        bounces = self.bounces

        max_length: int | None
        max_length = self.max_length

        pricing = self.pricing.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "object": object_,
                "name": name,
                "address": address,
                "required": required,
                "optional": optional,
                "one_of": one_of,
                "delivery_receipts": delivery_receipts,
                "read_receipts": read_receipts,
                "bounces": bounces,
                "max_length": max_length,
                "pricing": pricing,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.channel_pricing import ChannelPricing  # noqa: PLC0415

        d = dict(src_dict)
        object_ = cast(Literal["channel"], d.pop("object"))
        if object_ != "channel":
            raise ValueError(f"object must match const 'channel', got '{object_}'")

        name = ChannelOutName(d.pop("name"))

        address = ChannelOutAddress(d.pop("address"))

        required = cast(list[str], d.pop("required"))

        optional = cast(list[str], d.pop("optional"))

        one_of = []
        _one_of = d.pop("one_of")
        for one_of_item_data in _one_of:
            one_of_item = cast(list[str], one_of_item_data)

            one_of.append(one_of_item)

        delivery_receipts = d.pop("delivery_receipts")

        read_receipts = d.pop("read_receipts")

        bounces = d.pop("bounces")

        def _parse_max_length(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        max_length = _parse_max_length(d.pop("max_length"))

        pricing = ChannelPricing.from_dict(d.pop("pricing"))

        channel_out = cls(
            object_=object_,
            name=name,
            address=address,
            required=required,
            optional=optional,
            one_of=one_of,
            delivery_receipts=delivery_receipts,
            read_receipts=read_receipts,
            bounces=bounces,
            max_length=max_length,
            pricing=pricing,
        )

        return channel_out
