from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.conversation_out_channel import ConversationOutChannel
from ..models.conversation_out_status import ConversationOutStatus

T = TypeVar("T", bound="ConversationOut")


@_attrs_define
class ConversationOut:
    """
    Attributes:
        id (str):
        object_ (Literal['conversation']):
        contact_id (str):
        channel (ConversationOutChannel):
        status (ConversationOutStatus):
        assignee_id (None | str): The team member (`usr_...`) handling it.
        last_message_at (None | str):
        created_at (str):
        updated_at (str):
    """

    id: str
    object_: Literal["conversation"]
    contact_id: str
    channel: ConversationOutChannel
    status: ConversationOutStatus
    assignee_id: None | str
    last_message_at: None | str
    created_at: str
    updated_at: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        object_ = self.object_

        contact_id = self.contact_id

        channel = self.channel.value

        status = self.status.value

        assignee_id: None | str
        assignee_id = self.assignee_id

        last_message_at: None | str
        last_message_at = self.last_message_at

        created_at = self.created_at

        updated_at = self.updated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "object": object_,
                "contact_id": contact_id,
                "channel": channel,
                "status": status,
                "assignee_id": assignee_id,
                "last_message_at": last_message_at,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        object_ = cast(Literal["conversation"], d.pop("object"))
        if object_ != "conversation":
            raise ValueError(f"object must match const 'conversation', got '{object_}'")

        contact_id = d.pop("contact_id")

        channel = ConversationOutChannel(d.pop("channel"))

        status = ConversationOutStatus(d.pop("status"))

        def _parse_assignee_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        assignee_id = _parse_assignee_id(d.pop("assignee_id"))

        def _parse_last_message_at(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        last_message_at = _parse_last_message_at(d.pop("last_message_at"))

        created_at = d.pop("created_at")

        updated_at = d.pop("updated_at")

        conversation_out = cls(
            id=id,
            object_=object_,
            contact_id=contact_id,
            channel=channel,
            status=status,
            assignee_id=assignee_id,
            last_message_at=last_message_at,
            created_at=created_at,
            updated_at=updated_at,
        )

        conversation_out.additional_properties = d
        return conversation_out

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
