"""Contacts: the people a partner talks to, their channel identities and attributes.

An identity (channel + normalised address) belongs to at most one contact per partner and
environment, and an `external_id` (the partner's own id) to at most one contact: both are
held by unique constraints, so concurrent writers cannot break them. Contacts are never
merged automatically; `merge` is the one explicit way to join two.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy import and_, case, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from app import channels
from app.channels import ChannelValidationError
from app.errors import ApiError
from app.extensions import db
from app.models import Contact, ContactIdentity, Conversation, Message
from app.models.base import isoformat, utcnow
from app.services import tx
from app.services.pagination import Page, paginate

MAX_IDENTITIES = 20
MAX_ATTRIBUTES = 50
ADDRESS_MAX_LENGTH = 320  # the column's width; no real address of any channel is longer
NAME_MAX_LENGTH = 200
# Messages still owned by the send pipeline: erasing their content would break the send.
IN_FLIGHT = ("queued", "sending")
REDACTED = "redacted"

_UNSET: Any = object()

_ADDRESS_ERRORS = {
    "e164": ("invalid_phone_number",
             "must be a valid phone number in E.164 format, such as +15551234567."),
    "email": ("invalid_email_address", "must be a valid email address."),
    "id": ("invalid_address", "must be the {channel} recipient id: 1 to 256 characters "
           "without spaces."),
    "fcm_token": ("invalid_address", "must be an FCM registration token: 20 to 320 letters, "
                  "digits and _ : - . characters."),
}


def _check(channel_name: object, value: object, param: str) -> tuple[str | None, dict | None]:
    """The normalised address, or the field error for a channel + address pair."""
    channel = channels.get(channel_name)
    if channel is None:
        return None, {"param": param.rsplit(".", 1)[0] + ".channel" if "." in param
                      else "channel", "code": "unknown_channel",
                      "message": f"`{channel_name}` is not a channel; use one of "
                                 f"{', '.join(channels.names())}."}
    address = _normalise(channel, value)
    if address is None:
        code, message = _ADDRESS_ERRORS[channel.address]
        if channel.name == "telegram":
            code, message = "invalid_address", ("must be a Telegram chat id (an integer, maybe "
                                                "negative) or @channelname.")
        return None, {"param": param, "code": code,
                      "message": f"`{param}` " + message.format(channel=channel.name)}
    return address, None


def normalise_address(channel_name: str, value: object, param: str = "address") -> str:
    """Return the address as stored (E.164, normalised email, id); 422 with the channel's code."""
    address, error = _check(channel_name, value, param)
    if error is not None:
        raise ChannelValidationError([error])
    return address


def _normalise(channel: channels.Channel, value: object) -> str | None:
    if channel.address == "e164":
        address = channels.normalise_phone(value)
    elif channel.address == "email":
        address = channels.normalise_email(value)
    else:
        address = channels.normalise_id(channel, value)
    return address if address is not None and len(address) <= ADDRESS_MAX_LENGTH else None


def _normalise_identities(identities: list[dict]) -> list[tuple[str, str]]:
    """Normalise every identity, reporting all invalid and duplicate ones at once."""
    errors: list[dict] = []
    pairs: list[tuple[str, str]] = []
    for index, identity in enumerate(identities):
        address, error = _check(identity["channel"], identity["address"],
                                f"identities.{index}.address")
        if error is not None:
            errors.append(error)
            continue
        pair = (identity["channel"], address)
        if pair in pairs:
            errors.append({"param": f"identities.{index}", "code": "invalid_field",
                           "message": f"`identities.{index}` repeats identities."
                                      f"{pairs.index(pair)} ({pair[0]} {pair[1]})."})
            continue
        pairs.append(pair)
    if errors:
        raise ChannelValidationError(errors)
    return pairs


def _scoped(model, partner_id: str, environment: str):
    return and_(model.partner_id == partner_id, model.environment == environment)


def get(partner_id: str, environment: str, contact_id: str, param: str = "id") -> Contact:
    """Return one contact; 404 when it is missing or belongs to another partner or environment."""
    contact = db.session.scalar(select(Contact).where(
        _scoped(Contact, partner_id, environment), Contact.id == contact_id))
    if contact is None:
        raise ApiError("not_found", f"No contact {contact_id}.", param=param)
    return contact


def find_by_identity(partner_id: str, environment: str, channel: str,
                     address: str) -> Contact | None:
    """Return the contact owning a normalised channel address, or None."""
    return db.session.scalar(select(Contact).join(ContactIdentity).where(
        _scoped(ContactIdentity, partner_id, environment), ContactIdentity.channel == channel,
        ContactIdentity.address == address))


def list_contacts(partner_id: str, environment: str, *, external_id: str | None = None,
                  channel: str | None = None, address: str | None = None, limit: int = 20,
                  cursor: str | None = None) -> Page:
    """A page of contacts, newest first; `external_id` or `channel` + `address` look one up."""
    if (channel is None) != (address is None):
        missing = "address" if address is None else "channel"
        raise ApiError("invalid_parameter", "Look a contact up by `channel` and `address` "
                       f"together; `{missing}` is missing.", param=missing)
    statement = select(Contact).where(_scoped(Contact, partner_id, environment)).options(
        selectinload(Contact.identities))
    if external_id is not None:
        statement = statement.where(Contact.external_id == external_id)
    if channel is not None:
        normalised = normalise_address(channel, address, "address")
        statement = statement.where(Contact.id.in_(select(ContactIdentity.contact_id).where(
            _scoped(ContactIdentity, partner_id, environment),
            ContactIdentity.channel == channel, ContactIdentity.address == normalised)))
    return paginate(statement, Contact.id, limit, cursor)


def _check_attributes(attributes: dict) -> dict:
    if len(attributes) > MAX_ATTRIBUTES:
        raise ApiError("invalid_field", f"A contact has at most {MAX_ATTRIBUTES} attributes; "
                       f"this change would leave {len(attributes)}.", param="attributes")
    return attributes


def _raise_conflicts(partner_id: str, environment: str, contact_id: str | None,
                     external_id: str | None, pairs: list[tuple[str, str]]) -> None:
    """Raise 409 when another contact holds the external id or one of the identities."""
    if external_id is not None:
        holder = db.session.scalar(select(Contact.id).where(
            _scoped(Contact, partner_id, environment), Contact.external_id == external_id,
            Contact.id != contact_id if contact_id else true()))
        if holder is not None:
            raise ApiError("external_id_taken", f"Contact {holder} already has the external_id "
                           f"`{external_id}`.", param="external_id")
    if not pairs:
        return
    held = {(row.channel, row.address): row.contact_id for row in db.session.execute(
        select(ContactIdentity.channel, ContactIdentity.address, ContactIdentity.contact_id)
        .where(_scoped(ContactIdentity, partner_id, environment),
               ContactIdentity.contact_id != contact_id if contact_id else true(),
               or_(*(and_(ContactIdentity.channel == ch, ContactIdentity.address == ad)
                     for ch, ad in pairs))))}
    errors = [{"param": f"identities.{index}", "code": "identity_taken",
               "message": f"{pair[0]} {pair[1]} belongs to contact {held[pair]}; merge the "
                          "contacts to join them."}
              for index, pair in enumerate(pairs) if pair in held]
    if errors:
        raise ApiError("identity_taken", " ".join(e["message"] for e in errors),
                       param=errors[0]["param"], errors=errors)


def _write(partner_id: str, environment: str, contact_id: str | None,
           external_id: str | None, pairs: list[tuple[str, str]], write) -> None:
    """Run `write` in a savepoint; a unique-constraint race becomes the matching 409."""
    try:
        with db.session.begin_nested():
            write()
    except IntegrityError:
        # Another request took the external id or an identity between our check and write.
        _raise_conflicts(partner_id, environment, contact_id, external_id, pairs)
        raise


def create(partner_id: str, environment: str, *, name: str | None = None,
           external_id: str | None = None, identities: list[dict] | None = None,
           attributes: dict | None = None) -> Contact:
    """Create a contact; 409 when its external id or an identity belongs to another contact."""
    pairs = _normalise_identities(identities or [])
    attributes = _check_attributes({k: v for k, v in (attributes or {}).items()
                                    if v is not None})
    _raise_conflicts(partner_id, environment, None, external_id, pairs)
    contact = Contact(partner_id=partner_id, environment=environment, name=name,
                      external_id=external_id, attributes=attributes)
    for channel, address in pairs:
        contact.identities.append(ContactIdentity(partner_id=partner_id,
                                                  environment=environment, channel=channel,
                                                  address=address))
    _write(partner_id, environment, None, external_id, pairs, lambda: db.session.add(contact))
    tx.commit()
    return contact


def update(partner_id: str, environment: str, contact_id: str, *, name: Any = _UNSET,
           external_id: Any = _UNSET, identities: Any = _UNSET,
           attributes: Any = _UNSET) -> Contact:
    """Change the given fields: attributes merge (null removes a key), identities replace."""
    contact = get(partner_id, environment, contact_id)
    pairs = _normalise_identities(identities) if identities is not _UNSET else None
    merged = contact.attributes
    if attributes is not _UNSET:
        merged = dict(contact.attributes)
        for key, value in attributes.items():
            if value is None:
                merged.pop(key, None)
            else:
                merged[key] = value
        _check_attributes(merged)
    new_external = contact.external_id if external_id is _UNSET else external_id
    _raise_conflicts(partner_id, environment, contact.id,
                     new_external if new_external != contact.external_id else None, pairs or [])
    current = [(i.channel, i.address) for i in contact.identities]
    changed = ((name is not _UNSET and name != contact.name)
               or new_external != contact.external_id or merged != contact.attributes
               or (pairs is not None and pairs != current))
    if not changed:
        return contact

    def write() -> None:
        if name is not _UNSET:
            contact.name = name
        contact.external_id = new_external
        contact.attributes = merged
        contact.updated_at = utcnow()
        if pairs is not None and pairs != current:
            # Delete first: a kept identity is re-inserted in the order the request gives.
            contact.identities.clear()
            db.session.flush()
            for channel, address in pairs:
                contact.identities.append(ContactIdentity(
                    partner_id=partner_id, environment=environment, channel=channel,
                    address=address))

    _write(partner_id, environment, contact.id, new_external, pairs or [], write)
    tx.commit()
    return contact


def _messages_of(partner_id: str, environment: str, contact_id: str):
    conversation_ids = select(Conversation.id).where(
        _scoped(Conversation, partner_id, environment), Conversation.contact_id == contact_id)
    return and_(_scoped(Message, partner_id, environment),
                or_(Message.contact_id == contact_id,
                    Message.conversation_id.in_(conversation_ids)))


def delete(partner_id: str, environment: str, contact_id: str) -> dict:
    """Erase a contact: its identities and conversations go, its messages are redacted.

    Messages stay (they are billed and counted in usage) without their content, their
    contact-side address, contact or conversation. 409 while one of them is still being sent.
    """
    contact = get(partner_id, environment, contact_id)
    messages = _messages_of(partner_id, environment, contact.id)
    if db.session.scalar(select(Message.id).where(messages, Message.status.in_(IN_FLIGHT))
                         .limit(1)) is not None:
        raise ApiError("conflict", f"Contact {contact.id} has messages still being sent; "
                       "retry once they are sent or failed.", param="id")
    db.session.execute(sa.update(Message).where(messages).values(
        text=None, html=None, subject=None, title=None, variables=None, meta=None,
        contact_id=None, conversation_id=None, updated_at=utcnow(),
        to_address=case((Message.direction == "outbound", REDACTED), else_=Message.to_address),
        from_address=case((Message.direction == "inbound", REDACTED),
                          else_=Message.from_address),
    ).execution_options(synchronize_session=False))
    db.session.execute(sa.delete(Conversation).where(
        _scoped(Conversation, partner_id, environment), Conversation.contact_id == contact.id
    ).execution_options(synchronize_session=False))
    db.session.delete(contact)
    tx.commit()
    return {"id": contact_id, "object": "contact", "deleted": True}


def merge(partner_id: str, environment: str, contact_id: str, other_id: str) -> Contact:
    """Move `other_id`'s identities, conversations and messages to `contact_id`, delete it.

    The survivor's name, external id and attributes win; the other's fill the gaps. Where
    both have an open conversation on a channel, the other's is closed.
    """
    survivor = get(partner_id, environment, contact_id)
    if other_id == survivor.id:
        raise ApiError("invalid_field", "A contact cannot be merged with itself.",
                       param="other_id")
    other = get(partner_id, environment, other_id, param="other_id")
    attributes = _check_attributes({**other.attributes, **survivor.attributes})
    name = survivor.name if survivor.name is not None else other.name
    external_id = survivor.external_id if survivor.external_id is not None \
        else other.external_id
    now = utcnow()

    open_channels = select(Conversation.channel).where(
        _scoped(Conversation, partner_id, environment), Conversation.contact_id == survivor.id,
        Conversation.status == "open")
    db.session.execute(sa.update(Conversation).where(
        _scoped(Conversation, partner_id, environment), Conversation.contact_id == other.id,
        Conversation.status == "open", Conversation.channel.in_(open_channels),
    ).values(status="closed", updated_at=now).execution_options(synchronize_session=False))
    db.session.execute(sa.update(Conversation).where(
        _scoped(Conversation, partner_id, environment), Conversation.contact_id == other.id,
    ).values(contact_id=survivor.id, updated_at=now)
        .execution_options(synchronize_session=False))
    db.session.execute(sa.update(Message).where(
        _scoped(Message, partner_id, environment), Message.contact_id == other.id,
    ).values(contact_id=survivor.id).execution_options(synchronize_session=False))
    for identity in list(other.identities):
        identity.contact = survivor
    # The other goes before the survivor takes its external id: the id is unique.
    db.session.delete(other)
    db.session.flush()
    survivor.name, survivor.external_id, survivor.attributes = name, external_id, attributes
    survivor.updated_at = now
    tx.commit()
    db.session.expire(survivor, ["identities"])
    return survivor


def resolve_or_create_by_identity(partner_id: str, environment: str, channel: str,
                                  address: object, name: str | None = None
                                  ) -> tuple[Contact, bool]:
    """Return the contact owning this channel address, creating it if none; and whether new.

    `name` is used only for a new contact. Safe under concurrency: a racing insert of the
    same identity is caught in a savepoint and the winner's contact returned. Does not
    commit (the caller's transaction does) and records no event.
    """
    address = normalise_address(channel, address, "address")
    contact = find_by_identity(partner_id, environment, channel, address)
    if contact is not None:
        return contact, False
    contact = Contact(partner_id=partner_id, environment=environment,
                      name=name[:NAME_MAX_LENGTH] if name else None, attributes={})
    contact.identities.append(ContactIdentity(partner_id=partner_id, environment=environment,
                                              channel=channel, address=address))
    try:
        with db.session.begin_nested():
            db.session.add(contact)
    except IntegrityError:
        winner = find_by_identity(partner_id, environment, channel, address)
        if winner is None:
            raise
        return winner, False
    return contact, True


def to_api(contact: Contact) -> dict:
    """The contact object."""
    return {"id": contact.id, "object": "contact", "name": contact.name,
            "external_id": contact.external_id,
            "identities": [{"channel": i.channel, "address": i.address}
                           for i in contact.identities],
            "attributes": dict(contact.attributes or {}),
            "created_at": isoformat(contact.created_at),
            "updated_at": isoformat(contact.updated_at)}
