from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar, cast

from attrs import define as _attrs_define

from ..types import UNSET, Unset

if TYPE_CHECKING:
    from ..models.contact_create_attributes import ContactCreateAttributes
    from ..models.identity_in import IdentityIn


T = TypeVar("T", bound="ContactCreate")


@_attrs_define
class ContactCreate:
    """
    Attributes:
        name (None | str | Unset):
        external_id (None | str | Unset):
        identities (list[IdentityIn] | Unset):
        attributes (ContactCreateAttributes | Unset): A flat object of up to 50 keys (1 to 40 characters): strings of at
            most 500 characters, numbers or booleans. In an update, a key set to null is removed.
    """

    name: None | str | Unset = UNSET
    external_id: None | str | Unset = UNSET
    identities: list[IdentityIn] | Unset = UNSET
    attributes: ContactCreateAttributes | Unset = UNSET

    def to_dict(self) -> dict[str, Any]:
        name: None | str | Unset
        if isinstance(self.name, Unset):
            name = UNSET
        else:
            name = self.name

        external_id: None | str | Unset
        if isinstance(self.external_id, Unset):
            external_id = UNSET
        else:
            external_id = self.external_id

        identities: list[dict[str, Any]] | Unset = UNSET
        if not isinstance(self.identities, Unset):
            identities = []
            for identities_item_data in self.identities:
                identities_item = identities_item_data.to_dict()
                identities.append(identities_item)

        attributes: dict[str, Any] | Unset = UNSET
        if not isinstance(self.attributes, Unset):
            attributes = self.attributes.to_dict()

        field_dict: dict[str, Any] = {}

        field_dict.update({})
        if name is not UNSET:
            field_dict["name"] = name
        if external_id is not UNSET:
            field_dict["external_id"] = external_id
        if identities is not UNSET:
            field_dict["identities"] = identities
        if attributes is not UNSET:
            field_dict["attributes"] = attributes

        return field_dict

    @classmethod
    def from_dict(cls: type[T], src_dict: Mapping[str, Any]) -> T:
        from ..models.contact_create_attributes import ContactCreateAttributes  # noqa: PLC0415
        from ..models.identity_in import IdentityIn  # noqa: PLC0415

        d = dict(src_dict)

        def _parse_name(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        name = _parse_name(d.pop("name", UNSET))

        def _parse_external_id(data: object) -> None | str | Unset:
            if data is None:
                return data
            if isinstance(data, Unset):
                return data
            return cast(None | str | Unset, data)

        external_id = _parse_external_id(d.pop("external_id", UNSET))

        _identities = d.pop("identities", UNSET)
        identities: list[IdentityIn] | Unset = UNSET
        if _identities is not UNSET:
            identities = []
            for identities_item_data in _identities:
                identities_item = IdentityIn.from_dict(identities_item_data)

                identities.append(identities_item)

        _attributes = d.pop("attributes", UNSET)
        attributes: ContactCreateAttributes | Unset
        if isinstance(_attributes, Unset):
            attributes = UNSET
        else:
            attributes = ContactCreateAttributes.from_dict(_attributes)

        contact_create = cls(
            name=name,
            external_id=external_id,
            identities=identities,
            attributes=attributes,
        )

        return contact_create
