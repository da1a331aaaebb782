"""Contacts: create, list and look up, get, update, delete (erase) and merge."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, PlainValidator, WithJsonSchema, field_validator

from app.api.principal import Principal
from app.api.schemas import (
    ChannelName,
    Id,
    ListQuery,
    ListResponse,
    Strict,
    Timestamp,
    page_response,
    prefixed_id,
)
from app.api.surfaces import v1 as surface
from app.channels import names
from app.services.inbox import contacts

ADDRESS_ERRORS = ("unknown_channel", "invalid_phone_number", "invalid_email_address",
                  "invalid_address")
ATTRIBUTE_VALUE_MAX = 500
_VALUE_SCHEMA = {"anyOf": [{"type": "string", "maxLength": ATTRIBUTE_VALUE_MAX},
                           {"type": "number"}, {"type": "boolean"}]}


def _attribute_value(value: Any) -> Any:
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, float) and math.isfinite(value):
        return value
    if isinstance(value, str) and len(value) <= ATTRIBUTE_VALUE_MAX:
        return value
    raise ValueError(f"attribute values are strings of at most {ATTRIBUTE_VALUE_MAX} "
                     "characters, numbers or booleans (null removes the key)")


def _address(value: Any) -> Any:
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    raise ValueError("an address is a string (a Telegram chat id may be an integer)")


AttributeKey = Annotated[str, Field(min_length=1, max_length=40)]
AttributeValue = Annotated[Any, PlainValidator(_attribute_value), WithJsonSchema(
    {"anyOf": [*_VALUE_SCHEMA["anyOf"], {"type": "null"}]})]
Attributes = Annotated[dict[AttributeKey, AttributeValue], Field(
    max_length=contacts.MAX_ATTRIBUTES, examples=[{"tier": "gold", "orders": 12}],
    description=f"A flat object of up to {contacts.MAX_ATTRIBUTES} keys (1 to 40 characters): "
                f"strings of at most {ATTRIBUTE_VALUE_MAX} characters, numbers or booleans. "
                "In an update, a key set to null is removed.")]
Name = Annotated[str, Field(min_length=1, max_length=contacts.NAME_MAX_LENGTH, pattern=r"\S",
                            examples=["Nayeem"])]
ExternalId = Annotated[str, Field(
    min_length=1, max_length=200, pattern=r"^\S(?:[^\x00-\x1f\x7f]*\S)?$", examples=["crm-42"],
    description="Your own id for the contact, unique in the environment.")]


class IdentityIn(Strict):
    channel: str = Field(json_schema_extra={"enum": names()}, examples=["sms"])
    # Lengths and formats are the channel's rules, checked (with their own codes) by the service.
    address: Annotated[Any, PlainValidator(_address), WithJsonSchema({"anyOf": [
        {"type": "string", "minLength": 1, "maxLength": contacts.ADDRESS_MAX_LENGTH},
        {"type": "integer"}]})] = Field(
        examples=["+15551234567"],
        description="E.164 phone number, email address or the channel's recipient id; "
                    "stored normalised.")


Identities = Annotated[list[IdentityIn], Field(max_length=contacts.MAX_IDENTITIES)]


class ContactCreate(Strict):
    name: Name | None = None
    external_id: ExternalId | None = None
    identities: Identities = Field(default_factory=list)
    attributes: Attributes = Field(default_factory=dict)


class ContactUpdate(Strict):
    """Only the fields given change; null clears `name` and `external_id`."""

    name: Name | None = None
    external_id: ExternalId | None = None
    identities: Identities = Field(None, description="Replaces the whole list when given.")
    attributes: Attributes = Field(None, description="Merged into the current attributes.")


class ContactMerge(Strict):
    other_id: prefixed_id("con") = Field(  # type: ignore[valid-type]
        description="The contact merged into this one, then deleted.")


class IdentityOut(BaseModel):
    channel: ChannelName
    address: str


class ContactOut(BaseModel):
    id: Id
    object: Literal["contact"]
    name: str | None
    external_id: str | None
    identities: list[IdentityOut]
    attributes: dict[str, Annotated[Any, WithJsonSchema(_VALUE_SCHEMA)]]
    created_at: Timestamp
    updated_at: Timestamp


class ContactDeleted(BaseModel):
    id: Id
    object: Literal["contact"]
    deleted: Literal[True]


class ContactQuery(ListQuery):
    external_id: str | None = Field(None, min_length=1, max_length=200,
                                    description="Look up the contact with this external id.")
    channel: ChannelName | None = Field(None, description="With `address`: look up the "
                                                          "contact owning this identity.")
    address: str | None = Field(None, min_length=1, max_length=4096,
                                description="With `channel`; normalised before the lookup "
                                            "(URL-encode `+` as `%2B`).")

    @field_validator("address")
    @classmethod
    def _decoded_plus(cls, value: str | None) -> str | None:
        # An unencoded `+` arrives as a space; no valid address starts with one.
        if value and value[0] == " " and value[1:2].isdigit():
            return "+" + value[1:]
        return value


@surface.endpoint("/contacts", "POST", summary="Create a contact", tags=("Contacts",),
                  body=ContactCreate, response=ContactOut, status=201,
                  errors=("external_id_taken", "identity_taken", *ADDRESS_ERRORS))
def create_contact(principal: Principal, body: ContactCreate):
    """Create a contact with its identities; each identity belongs to one contact only."""
    contact = contacts.create(principal.partner_id, principal.environment, name=body.name,
                              external_id=body.external_id,
                              identities=[i.model_dump() for i in body.identities],
                              attributes=body.attributes)
    return contacts.to_api(contact)


@surface.endpoint("/contacts", "GET", summary="List or look up contacts",
                  tags=("Contacts",), query=ContactQuery, response=ListResponse[ContactOut],
                  errors=("invalid_cursor", *ADDRESS_ERRORS))
def list_contacts(principal: Principal, query: ContactQuery):
    """The environment's contacts, newest first; filter by `external_id` or an identity."""
    page = contacts.list_contacts(principal.partner_id, principal.environment,
                                  external_id=query.external_id, channel=query.channel,
                                  address=query.address, limit=query.limit,
                                  cursor=query.cursor)
    return page_response(page, contacts.to_api)


@surface.endpoint("/contacts/<id>", "GET", summary="Get a contact", tags=("Contacts",),
                  response=ContactOut)
def get_contact(principal: Principal, id: str):  # noqa: A002 - the URL's own name
    """One contact with its identities and attributes."""
    return contacts.to_api(contacts.get(principal.partner_id, principal.environment, id))


@surface.endpoint("/contacts/<id>", "PATCH", summary="Update a contact",
                  tags=("Contacts",), body=ContactUpdate, response=ContactOut,
                  errors=("external_id_taken", "identity_taken", *ADDRESS_ERRORS))
def update_contact(principal: Principal, body: ContactUpdate, id: str):  # noqa: A002
    """Change the given fields: attributes merge (null removes a key), identities replace."""
    changes = {field: getattr(body, field) for field in body.model_fields_set}
    if "identities" in changes:
        changes["identities"] = [i.model_dump() for i in body.identities]
    contact = contacts.update(principal.partner_id, principal.environment, id, **changes)
    return contacts.to_api(contact)


@surface.endpoint("/contacts/<id>", "DELETE", summary="Delete a contact",
                  tags=("Contacts",), response=ContactDeleted, errors=("conflict",))
def delete_contact(principal: Principal, id: str):  # noqa: A002
    """Erase a contact: identities and conversations are deleted, its messages redacted."""
    return contacts.delete(principal.partner_id, principal.environment, id)


@surface.endpoint("/contacts/<id>/merge", "POST", summary="Merge two contacts",
                  tags=("Contacts",), body=ContactMerge, response=ContactOut)
def merge_contacts(principal: Principal, body: ContactMerge, id: str):  # noqa: A002
    """Move `other_id`'s identities, conversations and messages here, then delete it."""
    contact = contacts.merge(principal.partner_id, principal.environment, id, body.other_id)
    return contacts.to_api(contact)
