"""The console's contact directory: search by name, external id or address, keyset pages."""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Contact, ContactIdentity, Conversation
from app.services.pagination import Page, paginate


def search(partner_id: str, environment: str, q: str | None, *, cursor: str | None = None,
           limit: int = 25) -> Page:
    """Contacts whose name, external id or any address contains `q` (all without), newest
    first."""
    statement = select(Contact).where(Contact.partner_id == partner_id,
                                      Contact.environment == environment).options(
        selectinload(Contact.identities))
    if q:
        addresses = select(ContactIdentity.contact_id).where(
            ContactIdentity.partner_id == partner_id, ContactIdentity.environment == environment,
            ContactIdentity.address.icontains(q, autoescape=True))
        statement = statement.where(or_(Contact.name.icontains(q, autoescape=True),
                                        Contact.external_id.icontains(q, autoescape=True),
                                        Contact.id.in_(addresses)))
    return paginate(statement, Contact.id, limit, cursor)


def conversations_of(partner_id: str, environment: str, contact_id: str) -> list[Conversation]:
    """A contact's conversations, newest first."""
    return list(db.session.scalars(select(Conversation).where(
        Conversation.partner_id == partner_id, Conversation.environment == environment,
        Conversation.contact_id == contact_id).order_by(Conversation.id.desc())))
