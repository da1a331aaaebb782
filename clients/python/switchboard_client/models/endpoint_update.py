from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

from attrs import define as _attrs_define

from ..models.endpoint_update_event_types_item import EndpointUpdateEventTypesItem
from ..models.endpoint_update_status import EndpointUpdateStatus
from ..types import UNSET, Unset

T = TypeVar("T", bound="EndpointUpdate")


@_attrs_define
class EndpointUpdate:
    """Only the fields given change. Enabling an endpoint clears `disabled_reason`.

    Attributes:
        url (str | Unset): https only; it must resolve to public internet addresses. Redirects are not followed.
        description (None | str | Unset):
        event_types (list[EndpointUpdateEventTypesItem] | Unset): The event types sent to this endpoint; empty (the
            default): all of them.
        status (EndpointUpdateStatus | Unset):
    """

    url: str | Unset = UNSET
    description: None | str | Unset = UNSET
    event_types: list[EndpointUpdateEventTypesItem] | Unset = UNSET
    status: EndpointUpdateStatus | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        url = self.url

        description: None | str | Unset
        if isinstance(self.description, Unset):
            description = UNSET
        else:
            description = self.description

        event_types: list[str] | Unset = UNSET
        if not isinstance(self.event_types, Unset):
            event_types = []
            for event_types_item_data in self.event_types:
                event_types_item = event_types_item_data.value
                event_types.append(event_types_item)

        status: str | Unset = UNSET
        if not isinstance(self.status, Unset):
            status = self.status.value

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if url is not UNSET:
            field_dict["url"] = url
        if description is not UNSET:
            field_dict["description"] = description
        if event_types is not UNSET:
            field_dict["event_types"] = event_types
        if status is not UNSET:
            field_dict["status"] = status

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        url = d.pop("url", UNSET)

        def _parse_description(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        description = _parse_description(d.pop("description", UNSET))

        _event_types = d.pop("event_types", UNSET)
        event_types: list[EndpointUpdateEventTypesItem] | Unset = UNSET
        if _event_types is not UNSET:
            event_types = []
            for event_types_item_data in _event_types:
                event_types_item = EndpointUpdateEventTypesItem(event_types_item_data)

                event_types.append(event_types_item)

        _status = d.pop("status", UNSET)
        status: EndpointUpdateStatus | Unset
        if isinstance(_status, Unset):
            status = UNSET
        else:
            status = EndpointUpdateStatus(_status)

        endpoint_update = cls(
            url=url,
            description=description,
            event_types=event_types,
            status=status,
        )

        return endpoint_update
