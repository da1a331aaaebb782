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

from sqlalchemy import and_, delete, func, insert, or_, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite

from app.extensions import db
from app.models import Contact, ContactIdentity, Conversation
from app.models.base import new_id

Identity = tuple[str, str]  # (channel, normalised address)


def _scoped(model, partner_id: str, environment: str):
    return and_(model.partner_id == partner_id, model.environment == environment)


def _owners(partner_id: str, environment: str, identities: set[Identity]) -> dict[Identity, str]:
    """The contact id owning each identity found, those contacts locked (PostgreSQL) in id
    order, in the same statement."""
    by_channel: dict[str, list[str]] = {}
    for channel, address in identities:
        by_channel.setdefault(channel, []).append(address)
    rows = db.session.execute(select(
        ContactIdentity.channel, ContactIdentity.address, ContactIdentity.contact_id)
        .join(Contact, Contact.id == ContactIdentity.contact_id).where(
        _scoped(ContactIdentity, partner_id, environment),
        or_(*(and_(ContactIdentity.channel == channel, ContactIdentity.address.in_(addresses))
              for channel, addresses in by_channel.items())))
        .order_by(ContactIdentity.contact_id).with_for_update(of=Contact))
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
        db.session.execute(insert(Contact), [
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
    newest = (select(func.max(Conversation.id))
              .where(_scoped(Conversation, partner_id, environment),
                     Conversation.status == "open",
                     tuple_(Conversation.contact_id, Conversation.channel).in_(sorted(wanted)))
              .group_by(Conversation.contact_id, Conversation.channel))
    found = {(row.contact_id, row.channel): row.id for row in db.session.execute(
        update(Conversation).where(Conversation.id.in_(newest.scalar_subquery()))
        .values(last_message_at=now, updated_at=now)
        .returning(Conversation.id, Conversation.contact_id, Conversation.channel)
        .execution_options(synchronize_session=False))}
    missing = sorted(wanted - found.keys())
    if missing:
        opened = {key: new_id("cnv") for key in missing}
        db.session.execute(insert(Conversation), [
            {"id": opened[key], "partner_id": partner_id, "environment": environment,
             "contact_id": key[0], "channel": key[1], "status": "open", "assignee_id": None,
             "last_message_at": now, "created_at": now, "updated_at": now} for key in missing])
        found.update(opened)
    return found
