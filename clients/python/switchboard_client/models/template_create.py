from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="TemplateCreate")


@_attrs_define
class TemplateCreate:
    """
    Attributes:
        name (str): Lowercase letters, digits and underscores, as WhatsApp requires.
        language (str): A language code such as `en` or `pt_BR` (`pt-BR` is stored as `pt_BR`).
        body (str): The text, with `{{variable}}` placeholders.
        channel (Literal['whatsapp'] | Unset): The channel the template is sent on. Default: 'whatsapp'.
    """

    name: str
    language: str
    body: str
    channel: Literal["whatsapp"] | Unset = "whatsapp"

    def to_dict(self) -> dict[str, Any]:
        name = self.name

        language = self.language

        body = self.body

        channel = self.channel

        field_dict: dict[str, Any] = {}

        field_dict.update(
            {
                "name": name,
                "language": language,
                "body": body,
            }
        )
        if channel is not UNSET:
            field_dict["channel"] = channel

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        name = d.pop("name")

        language = d.pop("language")

        body = d.pop("body")

        channel = cast(Literal["whatsapp"] | Unset, d.pop("channel", UNSET))
        if channel != "whatsapp" and not isinstance(channel, Unset):
            raise ValueError(f"channel must match const 'whatsapp', got '{channel}'")

        template_create = cls(
            name=name,
            language=language,
            body=body,
            channel=channel,
        )

        return template_create
