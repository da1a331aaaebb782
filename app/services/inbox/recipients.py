"""The contacts and open conversations of many sends at once, in a few statements.

The bulk counterpart of `contacts.resolve_or_create_by_identity` and
`conversations.find_or_open`, with the same rules: an identity belongs to one contact (a
unique constraint; a concurrent creator's contact wins and ours is dropped), a contact has at
most one open conversation per channel, and contacts are locked (PostgreSQL) before their
conversations are looked up, in id order, so concurrent senders agree on one conversation and
never wait on each other in a cycle. Lock order for every send: contacts, then the wallet.
Nothing here commits.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, bindparam, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import Contact, ContactIdentity, Conversation
from app.models.base import new_id

Identity = tuple[str, str]  # (channel, normalised address)


# Core statements on the tables: the ORM's statement handling cost more than it gave here.
_contacts, _identities = Contact.__table__, ContactIdentity.__table__
_conversations = Conversation.__table__


def _owners_statement(partner_id, environment, by_channel: dict):
    return (select(_identities.c.channel, _identities.c.address, _identities.c.contact_id)
            .join(_contacts, _contacts.c.id == _identities.c.contact_id)
            .where(_identities.c.partner_id == partner_id,
                   _identities.c.environment == environment,
                   or_(*(and_(_identities.c.channel == channel,
                              _identities.c.address.in_(addresses))
                         for channel, addresses in by_channel.items())))
            .order_by(_identities.c.contact_id).with_for_update(of=_contacts))


# The statements of every send, built once and bound per call: building one cost more than
# running it (bench send_efficiency, issue 10).
_OWNERS_ON_ONE_CHANNEL = _owners_statement(
    bindparam("partner"), bindparam("env"),
    {bindparam("channel"): bindparam("addresses", expanding=True)})
_NEWEST_OPEN = (select(func.max(_conversations.c.id))
                .where(_conversations.c.partner_id == bindparam("partner"),
                       _conversations.c.environment == bindparam("env"),
                       _conversations.c.status == "open",
                       tuple_(_conversations.c.contact_id, _conversations.c.channel).in_(
                           bindparam("wanted", expanding=True)))
                .group_by(_conversations.c.contact_id, _conversations.c.channel))
_TOUCH_OPEN = (update(_conversations)
               .where(_conversations.c.id.in_(_NEWEST_OPEN.scalar_subquery()))
               .values(last_message_at=bindparam("now"), updated_at=bindparam("now"))
               .returning(_conversations.c.id, _conversations.c.contact_id,
                          _conversations.c.channel))
_INSERT_CONTACTS = insert(_contacts)
_INSERT_CONVERSATIONS = insert(_conversations)


def _owners(partner_id: str, environment: str, identities: set[Identity]) -> dict[Identity, str]:
    """The contact id owning each identity found, those contacts locked (PostgreSQL) in id
    order, in the same statement."""
    by_channel: dict[str, list[str]] = {}
    for channel, address in identities:
        by_channel.setdefault(channel, []).append(address)
    if len(by_channel) == 1:  # every single send, and most batches
        [(channel, addresses)] = by_channel.items()
        rows = db.session.execute(_OWNERS_ON_ONE_CHANNEL, {
            "partner": partner_id, "env": environment, "channel": channel,
            "addresses": addresses})
    else:
        rows = db.session.execute(_owners_statement(partner_id, environment, by_channel))
    return {(row.channel, row.address): row.contact_id for row in rows}


def _insert_ignoring_taken(rows: list[dict]):
    """INSERT identities; a row whose address another contact holds is skipped, not an error."""
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    table = ContactIdentity.__table__
    return (dialect.insert(table).values(rows)
            .on_conflict_do_nothing(index_elements=["partner_id", "environment", "channel",
                                                    "address"])
            .returning(table.c.channel, table.c.address))


def resolve_contacts(partner_id: str, environment: str, identities: set[Identity],
                     now: datetime) -> tuple[dict[Identity, str], set[str]]:
    """The contact id owning each identity, creating contacts for new ones; and which are new.

    Every returned contact is locked for the rest of the transaction: the existing ones by
    the statement that finds them (first, in id order, before anything is written), the new
    ones by their own insert, and those a concurrent request created first when they are
    found again.
    """
    owners = _owners(partner_id, environment, identities)
    missing = sorted(identities - owners.keys())  # sorted: concurrent batches insert alike
    created: set[str] = set()
    if missing:
        contact_ids = {identity: new_id("con") for identity in missing}
        db.session.execute(_INSERT_CONTACTS, [
            {"id": contact_ids[identity], "partner_id": partner_id, "environment": environment,
             "name": None, "external_id": None, "attributes": {}, "created_at": now,
             "updated_at": now} for identity in missing])
        inserted = set(db.session.execute(_insert_ignoring_taken([
            {"id": new_id("cid"), "partner_id": partner_id, "environment": environment,
             "contact_id": contact_ids[identity], "channel": identity[0],
             "address": identity[1], "created_at": now, "updated_at": now}
            for identity in missing])).tuples())
        lost = [identity for identity in missing if identity not in inserted]
        if lost:  # created concurrently by another request: theirs is the contact
            db.session.execute(delete(Contact).where(
                Contact.id.in_([contact_ids[identity] for identity in lost])))
            owners.update(_owners(partner_id, environment, set(lost)))
        for identity in missing:
            if identity in inserted:
                owners[identity] = contact_ids[identity]
                created.add(contact_ids[identity])
    return owners, created


def forget_contacts(contact_ids: set[str]) -> None:
    """Delete contacts this transaction created but no longer needs (their identities go too)."""
    if contact_ids:
        db.session.execute(delete(Contact).where(Contact.id.in_(sorted(contact_ids))))


def open_conversations(partner_id: str, environment: str, wanted: set[tuple[str, str]],
                       now: datetime) -> dict[tuple[str, str], str]:
    """The open conversation id of each (contact id, channel), opening the missing ones, and
    its `last_message_at` set to `now`. The contacts must be locked (`resolve_contacts`).

    One UPDATE finds and touches the open ones (the newest per contact and channel, should
    there be several), then one INSERT opens the rest."""
    found = {(row.contact_id, row.channel): row.id for row in db.session.execute(
        _TOUCH_OPEN, {"partner": partner_id, "env": environment,
                      "wanted": sorted(wanted), "now": now})}
    missing = sorted(wanted - found.keys())
    if missing:
        opened = {key: new_id("cnv") for key in missing}
        db.session.execute(_INSERT_CONVERSATIONS, [
            {"id": opened[key], "partner_id": partner_id, "environment": environment,
             "contact_id": key[0], "channel": key[1], "status": "open", "assignee_id": None,
             "last_message_at": now, "created_at": now, "updated_at": now} for key in missing])
        found.update(opened)
    return found
