from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.event_out_environment import EventOutEnvironment
from ..models.event_out_type import EventOutType

if TYPE_CHECKING:
    from ..models.event_out_data import EventOutData


T = TypeVar("T", bound="EventOut")


@_attrs_define
class EventOut:
    """
    Attributes:
        id (str):
        object_ (Literal['event']):
        type_ (EventOutType):
        created_at (str):
        environment (EventOutEnvironment):
        data (EventOutData): The object the event is about, as the API shows it (a message, a conversation, ...).
    """

    id: str
    object_: Literal["event"]
    type_: EventOutType
    created_at: str
    environment: EventOutEnvironment
    data: EventOutData
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        object_ = self.object_

        type_ = self.type_.value

        created_at = self.created_at

        environment = self.environment.value

        data = self.data.to_dict()

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "object": object_,
                "type": type_,
                "created_at": created_at,
                "environment": environment,
                "data": data,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.event_out_data import EventOutData  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        object_ = cast(Literal["event"], d.pop("object"))
        if object_ != "event":
            raise ValueError(f"object must match const 'event', got '{object_}'")

        type_ = EventOutType(d.pop("type"))

        created_at = d.pop("created_at")

        environment = EventOutEnvironment(d.pop("environment"))

        data = EventOutData.from_dict(d.pop("data"))

        event_out = cls(
            id=id,
            object_=object_,
            type_=type_,
            created_at=created_at,
            environment=environment,
            data=data,
        )

        event_out.additional_properties = d
        return event_out

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
