from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

T = TypeVar("T", bound="ReplayOut")


@_attrs_define
class ReplayOut:
    """
    Attributes:
        object_ (Literal['webhook_replay']):
        endpoint_id (str):
        since (str):
        replayed (int): How many events are being delivered again.
        has_more (bool): More remain: repeat the call for the next batch.
    """

    object_: Literal["webhook_replay"]
    endpoint_id: str
    since: str
    replayed: int
    has_more: bool
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_

        endpoint_id = self.endpoint_id

        since = self.since

        replayed = self.replayed

        has_more = self.has_more

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "endpoint_id": endpoint_id,
                "since": since,
                "replayed": replayed,
                "has_more": has_more,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        object_ = cast(Literal["webhook_replay"], d.pop("object"))
        if object_ != "webhook_replay":
            raise ValueError(f"object must match const 'webhook_replay', got '{object_}'")

        endpoint_id = d.pop("endpoint_id")

        since = d.pop("since")

        replayed = d.pop("replayed")

        has_more = d.pop("has_more")

        replay_out = cls(
            object_=object_,
            endpoint_id=endpoint_id,
            since=since,
            replayed=replayed,
            has_more=has_more,
        )

        replay_out.additional_properties = d
        return replay_out

    @property
    def additional_keys(self) -> list[str]:
        return list(self.additional_properties.keys())

    def __getitem__(self, key: str) -> Any:
        return self.additional_properties[key]

    def __setitem__(self, key: str, value: Any) -> None:
        self.additional_properties[key] = value

    def __delitem__(self, key: str) -> None:
        del self.additional_properties[key]

    def __contains__(self, key: str) -> bool:
        return key in self.additional_properties
