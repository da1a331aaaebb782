from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.delivery_out_event_type_type_0 import DeliveryOutEventTypeType0
from ..models.delivery_out_status import DeliveryOutStatus

if TYPE_CHECKING:
    from ..models.attempt_out import AttemptOut


T = TypeVar("T", bound="DeliveryOut")


@_attrs_define
class DeliveryOut:
    """
    Attributes:
        id (str):
        object_ (Literal['webhook_delivery']):
        endpoint_id (str):
        event_id (str):
        event_type (DeliveryOutEventTypeType0 | None):
        status (DeliveryOutStatus):
        attempt_count (int):
        next_attempt_at (None | str):
        last_status_code (int | None):
        last_error (None | str):
        attempts (list[AttemptOut]):
        created_at (str):
        updated_at (str):
    """

    id: str
    object_: Literal["webhook_delivery"]
    endpoint_id: str
    event_id: str
    event_type: DeliveryOutEventTypeType0 | None
    status: DeliveryOutStatus
    attempt_count: int
    next_attempt_at: None | str
    last_status_code: int | None
    last_error: None | str
    attempts: list[AttemptOut]
    created_at: str
    updated_at: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        object_ = self.object_

        endpoint_id = self.endpoint_id

        event_id = self.event_id

        event_type: None | str
        if isinstance(self.event_type, DeliveryOutEventTypeType0):
            event_type = self.event_type.value
        else:
            event_type = self.event_type

        status = self.status.value

        attempt_count = self.attempt_count

        next_attempt_at: None | str
        next_attempt_at = self.next_attempt_at

        last_status_code: int | None
        last_status_code = self.last_status_code

        last_error: None | str
        last_error = self.last_error

        attempts = []
        for attempts_item_data in self.attempts:
            attempts_item = attempts_item_data.to_dict()
            attempts.append(attempts_item)

        created_at = self.created_at

        updated_at = self.updated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "object": object_,
                "endpoint_id": endpoint_id,
                "event_id": event_id,
                "event_type": event_type,
                "status": status,
                "attempt_count": attempt_count,
                "next_attempt_at": next_attempt_at,
                "last_status_code": last_status_code,
                "last_error": last_error,
                "attempts": attempts,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.attempt_out import AttemptOut  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        object_ = cast(Literal["webhook_delivery"], d.pop("object"))
        if object_ != "webhook_delivery":
            raise ValueError(f"object must match const 'webhook_delivery', got '{object_}'")

        endpoint_id = d.pop("endpoint_id")

        event_id = d.pop("event_id")

        def _parse_event_type(data: object) -> DeliveryOutEventTypeType0 | None:
            if data is None:
                return data
            try:
                if not isinstance(data, str):
                    raise TypeError()
                event_type_type_0 = DeliveryOutEventTypeType0(data)

                return event_type_type_0
            except (TypeError, ValueError, AttributeError, KeyError):
                pass
            return cast(DeliveryOutEventTypeType0 | None, data)

        event_type = _parse_event_type(d.pop("event_type"))

        status = DeliveryOutStatus(d.pop("status"))

        attempt_count = d.pop("attempt_count")

        def _parse_next_attempt_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        next_attempt_at = _parse_next_attempt_at(d.pop("next_attempt_at"))

        def _parse_last_status_code(data: object) -> int | None:
            if data is None:
                return data
            return cast(int | None, data)

        last_status_code = _parse_last_status_code(d.pop("last_status_code"))

        def _parse_last_error(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_error = _parse_last_error(d.pop("last_error"))

        attempts = []
        _attempts = d.pop("attempts")
        for attempts_item_data in _attempts:
            attempts_item = AttemptOut.from_dict(attempts_item_data)

            attempts.append(attempts_item)

        created_at = d.pop("created_at")

        updated_at = d.pop("updated_at")

        delivery_out = cls(
            id=id,
            object_=object_,
            endpoint_id=endpoint_id,
            event_id=event_id,
            event_type=event_type,
            status=status,
            attempt_count=attempt_count,
            next_attempt_at=next_attempt_at,
            last_status_code=last_status_code,
            last_error=last_error,
            attempts=attempts,
            created_at=created_at,
            updated_at=updated_at,
        )

        delivery_out.additional_properties = d
        return delivery_out

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
