from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Literal, TypeVar, cast

from attrs import define as _attrs_define
from attrs import field as _attrs_field

if TYPE_CHECKING:
    from ..models.contact_out_attributes import ContactOutAttributes
    from ..models.identity_out import IdentityOut


T = TypeVar("T", bound="ContactOut")


@_attrs_define
class ContactOut:
    """
    Attributes:
        id (str):
        object_ (Literal['contact']):
        name (None | str):
        external_id (None | str):
        identities (list[IdentityOut]):
        attributes (ContactOutAttributes):
        created_at (str):
        updated_at (str):
    """

    id: str
    object_: Literal["contact"]
    name: None | str
    external_id: None | str
    identities: list[IdentityOut]
    attributes: ContactOutAttributes
    created_at: str
    updated_at: str
    additional_properties: dict[str, Any] = _attrs_field(init=False, factory=dict)

    def to_dict(self) -> dict[str, Any]:
        id = self.id

        object_ = self.object_

        name: None | str
        name = self.name

        external_id: None | str
        external_id = self.external_id

        identities = []
        for identities_item_data in self.identities:
            identities_item = identities_item_data.to_dict()
            identities.append(identities_item)

        attributes = self.attributes.to_dict()

        created_at = self.created_at

        updated_at = self.updated_at

        field_dict: dict[str, Any] = {}
        field_dict.update(self.additional_properties)
        field_dict.update(
            {
                "id": id,
                "object": object_,
                "name": name,
                "external_id": external_id,
                "identities": identities,
                "attributes": attributes,
                "created_at": created_at,
                "updated_at": updated_at,
            }
        )

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.contact_out_attributes import ContactOutAttributes  # noqa: PLC0415
        from ..models.identity_out import IdentityOut  # noqa: PLC0415

        d = dict(src_dict)
        id = d.pop("id")

        object_ = cast(Literal["contact"], d.pop("object"))
        if object_ != "contact":
            raise ValueError(f"object must match const 'contact', got '{object_}'")

        def _parse_name(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        name = _parse_name(d.pop("name"))

        def _parse_external_id(data: object) -> None | str:
            if data is None:
                return data
            return cast(None | str, data)

        external_id = _parse_external_id(d.pop("external_id"))

        identities = []
        _identities = d.pop("identities")
        for identities_item_data in _identities:
            identities_item = IdentityOut.from_dict(identities_item_data)

            identities.append(identities_item)

        attributes = ContactOutAttributes.from_dict(d.pop("attributes"))

        created_at = d.pop("created_at")

        updated_at = d.pop("updated_at")

        contact_out = cls(
            id=id,
            object_=object_,
            name=name,
            external_id=external_id,
            identities=identities,
            attributes=attributes,
            created_at=created_at,
            updated_at=updated_at,
        )

        contact_out.additional_properties = d
        return contact_out

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
