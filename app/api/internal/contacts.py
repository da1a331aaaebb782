"""The inbox's contact pane: edit a contact's name and attributes in place, and erase it
(admins only). The same services as `/api/v1/contacts`."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from app.admin import fragments
from app.api.principal import Principal
from app.api.schemas import Id, Strict
from app.api.surfaces import internal as surface
from app.api.v1.contacts import ContactDeleted, ContactOut
from app.errors import ApiError
from app.services.inbox import contacts


class ContactEdit(Strict):
    name: str | None = Field(None, max_length=contacts.NAME_MAX_LENGTH)
    attributes: dict[str, Any] | None = Field(
        None, description="Values by key: merged, an empty value removes the key.")
    new_attribute_key: str | None = Field(None, max_length=100)
    new_attribute_value: str | None = Field(None, max_length=500)
    conversation_id: Id | None = Field(None, description="The conversation the pane shows.")


@surface.endpoint("/contacts/<id>", "POST", summary="Edit a contact in place",
                  tags=("Contacts",), body=ContactEdit, response=ContactOut,
                  html=fragments.contact_changed_html)
def edit_contact(principal: Principal, body: ContactEdit, id: str):  # noqa: A002
    """Change the name and attributes (an empty value removes an attribute)."""
    attributes = dict(body.attributes or {})
    if body.new_attribute_key:
        attributes[body.new_attribute_key.strip()] = body.new_attribute_value or ""
    changes: dict[str, Any] = {"attributes": {key: (value if value not in ("", None) else None)
                                              for key, value in attributes.items()}}
    if "name" in body.model_fields_set:
        changes["name"] = body.name
    contact = contacts.update(principal.partner_id, principal.environment, id, **changes)
    return contacts.to_api(contact)


@surface.endpoint("/contacts/<id>/erase", "POST", summary="Erase a contact",
                  tags=("Contacts",), response=ContactDeleted, errors=("conflict",),
                  html=fragments.contact_erased_html)
def erase_contact(principal: Principal, id: str):  # noqa: A002
    """Erase a contact (admins only): identities and conversations go, messages redacted."""
    if principal.role != "admin":
        raise ApiError("forbidden", "Only your team's admins can erase a contact.")
    return contacts.delete(principal.partner_id, principal.environment, id)
