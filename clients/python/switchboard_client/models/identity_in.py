from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.identity_in_channel import IdentityInChannel

T = TypeVar("T", bound="IdentityIn")


@_attrs_define
class IdentityIn:
    """
    Attributes:
        channel (IdentityInChannel):
        address (int | str): E.164 phone number, email address or the channel's recipient id; stored normalised.
    """

    channel: IdentityInChannel
    address: int | str

    def to_dict(self) -> dict[str, Any]:
        channel = self.channel.value

        address: int | str
        address = self.address

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "channel": channel,
                "address": address,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        channel = IdentityInChannel(d.pop("channel"))

        def _parse_address(data: object) -> int | str:
            return cast(int | str, data)

        address = _parse_address(d.pop("address"))

        identity_in = cls(
            channel=channel,
            address=address,
        )

        return identity_in
