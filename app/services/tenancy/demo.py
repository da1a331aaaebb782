"""The demo tenant behind `flask demo seed`: idempotent, safe to run on every start."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from app import money
from app.extensions import db
from app.models import (
    AccessKey,
    CannedReply,
    Contact,
    ContactIdentity,
    Conversation,
    Message,
    MessageEvent,
    Partner,
    User,
)
from app.models.base import utcnow
from app.services.messaging import templates
from app.services.tenancy import keys, partners, users

DEMO_PARTNER = "Demo Partner"
DEMO_PASSWORD = "switchboard-demo"  # noqa: S105 - a documented demo login, development only
LOGINS = (
    ("operator@demo.switchboard.example", "operator"),
    ("admin@demo.switchboard.example", "admin"),
    ("agent@demo.switchboard.example", "agent"),
    ("agent2@demo.switchboard.example", "agent"),
)
CONTACTS = (
    ("Nayeem Rahman", "crm-42", "sms", "+15551234567", "Is my order on its way?"),
    ("Ada Park", "crm-43", "whatsapp", "+447700900123", "Can I change the delivery address?"),
    ("Luis Ortega", "crm-44", "email", "luis@example.com", "Invoice for last month, please."),
    ("Mina Sato", "crm-45", "telegram", "555000111", "Do you ship to Osaka?"),
    ("Chloé Martin", "crm-46", "webchat", "visitor-7f3a", "Bonjour ! Is there a discount code?"),
    ("Omar Haddad", "crm-47", "messenger", "6012345678901234", "My parcel arrived damaged."),
)
CANNED_REPLIES = (
    ("Greeting", "Hi! Thanks for writing to us. How can I help?"),
    ("Shipping times", "Orders ship within one working day and arrive in 2 to 4 days."),
    ("Refunds", "We refund within 5 working days of receiving the return."),
)
# The first send of docs/sending.md, which works on the demo as written: its template is
# seeded in both environments, and `flask demo seed` prints it as a curl with the demo's key.
ORDER_TEMPLATE = {"name": "order_confirmation", "language": "en", "channel": "whatsapp",
                  "body": "Hi {{name}}, order {{order_id}} arrives in {{eta}}."}
FIRST_SEND = {"channel": "whatsapp", "to": "+15551234567", "template": "order_confirmation",
              "language": "en",
              "variables": {"name": "Nayeem", "order_id": "TR-204821", "eta": "15 minutes"}}


@dataclass(frozen=True)
class DemoSeed:
    partner_id: str
    sandbox_key: str
    logins: tuple[tuple[str, str], ...]
    created: bool


def _key_file() -> str:
    return os.path.join(current_app.instance_path, "demo-sandbox-key.json")


# The demo's logins have published passwords: only a laptop or a test run may create them.
SEED_ENVIRONMENTS = ("development", "testing")


class NotDevelopment(RuntimeError):
    """Demo data (an operator with a known password) asked for outside development."""


def seed() -> DemoSeed:
    """Create the demo partner, logins, contacts and conversations once; return the logins.

    Refused (NotDevelopment) unless the app runs in development (or tests): the demo
    operator's password is in the docs, so in production it would be an open door.
    """
    env_name = current_app.config["ENV_NAME"]
    if env_name not in SEED_ENVIRONMENTS:
        raise NotDevelopment(f"demo data is for development only, and this app runs in "
                             f"{env_name}; set SWITCHBOARD_ENV=development on a laptop")
    partner = db.session.scalar(select(Partner).where(Partner.name == DEMO_PARTNER))
    created = partner is None
    if created:
        provisioned = partners.create_partner(
            DEMO_PARTNER, balance_micros=money.to_micros("25"),
            sandbox_balance_micros=money.to_micros("100"),
        )
        partner = provisioned.partner
        _save_key(partner.id, provisioned.test_key)
    for email, role in LOGINS:
        if db.session.scalar(select(User).where(User.email == email)) is None:
            users.create_user(email, DEMO_PASSWORD, role,
                              partner_id=None if role == "operator" else partner.id,
                              name=role.capitalize() + " (demo)")
    agents = [db.session.scalar(select(User).where(User.email == email)).id
              for email, _ in LOGINS[2:]]
    for environment in ("sandbox", "live"):
        _seed_conversations(partner.id, environment, agents)
        _seed_template(partner.id, environment)
        _seed_canned_replies(partner.id, environment)
    db.session.commit()
    return DemoSeed(partner.id, _sandbox_key(partner.id), tuple((e, DEMO_PASSWORD)
                    for e, _ in LOGINS), created)


def _seed_template(partner_id: str, environment: str) -> None:
    spec = {k: v for k, v in ORDER_TEMPLATE.items() if k != "body"}
    if templates.find(partner_id, environment, **spec) is None:
        templates.create(partner_id, environment, body=ORDER_TEMPLATE["body"], **spec)


def _save_key(partner_id: str, plaintext: str) -> None:
    os.makedirs(current_app.instance_path, exist_ok=True)
    with open(_key_file(), "w") as fh:
        json.dump({"partner_id": partner_id, "sandbox_key": plaintext}, fh)


def _sandbox_key(partner_id: str) -> str:
    """The demo sandbox key kept under instance/; reissued if that file was lost."""
    try:
        with open(_key_file()) as fh:
            saved = json.load(fh)
        record = keys.find(saved["sandbox_key"])
        if saved["partner_id"] == partner_id and record and keys.is_usable(record):
            return saved["sandbox_key"]
    except (OSError, ValueError, KeyError):
        pass
    for old in db.session.scalars(select(AccessKey).where(
            AccessKey.partner_id == partner_id, AccessKey.environment == "sandbox",
            AccessKey.name == "demo", AccessKey.revoked_at.is_(None))):
        old.revoked_at = utcnow()
    issued = keys.create(partner_id, "sandbox", name="demo")
    db.session.commit()
    _save_key(partner_id, issued.plaintext)
    return issued.plaintext


def _seed_canned_replies(partner_id: str, environment: str) -> None:
    for title, body in CANNED_REPLIES:
        if db.session.scalar(select(CannedReply.id).where(
                CannedReply.partner_id == partner_id, CannedReply.environment == environment,
                CannedReply.title == title)) is None:
            db.session.add(CannedReply(partner_id=partner_id, environment=environment,
                                       title=title, body=body))


def _seed_conversations(partner_id: str, environment: str, agents: list[str]) -> None:
    """One conversation per demo contact: the first assigned to the first agent, the fourth
    to the second, the rest waiting in the shared inbox."""
    assignees = {0: agents[0], 3: agents[-1]}
    now = utcnow()
    for index, (name, external_id, channel, address, text) in enumerate(CONTACTS):
        exists = db.session.scalar(select(Contact).where(
            Contact.partner_id == partner_id, Contact.environment == environment,
            Contact.external_id == external_id))
        if exists:
            continue
        scope = {"partner_id": partner_id, "environment": environment}
        contact = Contact(name=name, external_id=external_id, attributes={"demo": True}, **scope)
        contact.identities.append(ContactIdentity(channel=channel, address=address, **scope))
        db.session.add(contact)
        db.session.flush()
        at = now - timedelta(minutes=45 - index * 7)
        conversation = Conversation(contact_id=contact.id, channel=channel, status="open",
                                    assignee_id=assignees.get(index),
                                    last_message_at=at, **scope)
        db.session.add(conversation)
        db.session.flush()
        message = Message(channel=channel, direction="inbound", to_address="switchboard",
                          from_address=address, status="delivered", text=text,
                          conversation_id=conversation.id, contact_id=contact.id,
                          status_changed_at=at, created_at=at, updated_at=at, **scope)
        db.session.add(message)
        db.session.flush()
        db.session.add(MessageEvent(message_id=message.id, sequence=1, status="delivered",
                                    occurred_at=at, **scope))
