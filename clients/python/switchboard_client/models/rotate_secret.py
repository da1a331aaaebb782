from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar

from attrs import define as _attrs_define

from ..types import UNSET, Unset

T = TypeVar("T", bound="RotateSecret")


@_attrs_define
class RotateSecret:
    """
    Attributes:
        expires_in_hours (float | Unset): How long the current secret keeps signing next to the new one (0 to 168; 0
            stops it at once). Default: 24.0.
    """

    expires_in_hours: float | Unset = 24.0

    def to_dict(self) -> dict[str, Any]:
        expires_in_hours = self.expires_in_hours

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if expires_in_hours is not UNSET:
            field_dict["expires_in_hours"] = expires_in_hours

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        d = dict(src_dict)
        expires_in_hours = d.pop("expires_in_hours", UNSET)

        rotate_secret = cls(
            expires_in_hours=expires_in_hours,
        )

        return rotate_secret
