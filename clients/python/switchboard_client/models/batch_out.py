from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.batch_item import BatchItem


T = TypeVar("T", bound="BatchOut")


@_attrs_define
class BatchOut:
    """
    Attributes:
        object_ (Literal['batch']):
        accepted (int): How many messages were accepted (and charged).
        refused (int): How many were refused; they wrote and cost nothing.
        data (list[BatchItem]): One result per message, in request order.
    """

    object_: Literal["batch"]
    accepted: int
    refused: int
    data: list[BatchItem]
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        object_ = self.object_

        accepted = self.accepted

        refused = self.refused

        data = []
        for data_item_data in self.data:
            data_item = data_item_data.to_dict()
            data.append(data_item)

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "object": object_,
                "accepted": accepted,
                "refused": refused,
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.batch_item import BatchItem  # noqa: PLC0415

        d = dict(src_dict)
        object_ = cast(Literal["batch"], d.pop("object"))
        if object_ != "batch":
            raise ValueError(f"object must match const 'batch', got '{object_}'")

        accepted = d.pop("accepted")

        refused = d.pop("refused")

        data = []
        _data = d.pop("data")
        for data_item_data in _data:
            data_item = BatchItem.from_dict(data_item_data)

            data.append(data_item)

        batch_out = cls(
            object_=object_,
            accepted=accepted,
            refused=refused,
            data=data,
        )

        batch_out.additional_properties = d
        return batch_out

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
