from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

from ..models.template_out_status import TemplateOutStatus

T = TypeVar("T", bound="TemplateOut")


@_attrs_define
class TemplateOut:
    """
    Attributes:
        id (str):
        object_ (Literal['template']):
        name (str):
        language (str):
        channel (Literal['whatsapp']):
        body (str):
        variables (list[str]): The placeholders, in order of first use.
        status (TemplateOutStatus):
        created_at (str):
    """

    id: str
    object_: Literal["template"]
    name: str
    language: str
    channel: Literal["whatsapp"]
    body: str
    variables: list[str]
    status: TemplateOutStatus
    created_at: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        object_ = self.object_

        name = self.name

        language = self.language

        channel = self.channel

        body = self.body

        variables = self.variables

        status = self.status.value

        created_at = self.created_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "object": object_,
                "name": name,
                "language": language,
                "channel": channel,
                "body": body,
                "variables": variables,
                "status": status,
                "created_at": created_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        id = d.pop("id")

        object_ = cast(Literal["template"], d.pop("object"))
        if object_ != "template":
            raise ValueError(f"object must match const 'template', got '{object_}'")

        name = d.pop("name")

        language = d.pop("language")

        channel = cast(Literal["whatsapp"], d.pop("channel"))
        if channel != "whatsapp":
            raise ValueError(f"channel must match const 'whatsapp', got '{channel}'")

        body = d.pop("body")

        variables = cast(list[str], d.pop("variables"))

        status = TemplateOutStatus(d.pop("status"))

        created_at = d.pop("created_at")

        template_out = cls(
            id=id,
            object_=object_,
            name=name,
            language=language,
            channel=channel,
            body=body,
            variables=variables,
            status=status,
            created_at=created_at,
        )

        template_out.additional_properties = d
        return template_out

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
