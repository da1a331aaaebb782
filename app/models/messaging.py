"""Contacts, conversations, templates and messages with their status history."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import PrefixedId, TenantScoped, Timestamps, UTCDateTime, utcnow

MESSAGE_STATUSES = ("queued", "sending", "sent", "delivered", "read", "failed", "bounced")


class Contact(PrefixedId, TenantScoped, Timestamps, db.Model):
    __tablename__ = "contacts"
    __table_args__ = (
        UniqueConstraint("partner_id", "environment", "external_id", name="uq_contacts_external"),
        Index("ix_contacts_scope_id", "partner_id", "environment", "id"),
    )
    id_prefix = "con"

    name: Mapped[str | None] = mapped_column(String(200))
    external_id: Mapped[str | None] = mapped_column(String(200))
    attributes: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    identities: Mapped[list[ContactIdentity]] = relationship(
        back_populates="contact", cascade="all, delete-orphan", order_by="ContactIdentity.id"
    )


class ContactIdentity(PrefixedId, TenantScoped, Timestamps, db.Model):
    """A channel address; belongs to one contact per partner and environment."""

    __tablename__ = "contact_identities"
    __table_args__ = (
        UniqueConstraint(
            "partner_id", "environment", "channel", "address", name="uq_contact_identities_address"
        ),
    )
    id_prefix = "cid"

    contact_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    address: Mapped[str] = mapped_column(String(320), nullable=False)
    contact: Mapped[Contact] = relationship(back_populates="identities")


class Conversation(PrefixedId, TenantScoped, Timestamps, db.Model):
    __tablename__ = "conversations"
    __table_args__ = (
        Index("ix_conversations_scope_updated", "partner_id", "environment", "updated_at",
              "id"),
        # Keyset lists (bench inbox_flatness): the filter first, the order last.
        Index("ix_conversations_scope_status_recent", "partner_id", "environment", "status",
              "updated_at", "id"),
        Index("ix_conversations_scope_assignee_recent", "partner_id", "environment",
              "assignee_id", "updated_at", "id"),
        Index("ix_conversations_scope_channel_recent", "partner_id", "environment", "channel",
              "updated_at", "id"),
        Index("ix_conversations_scope_id", "partner_id", "environment", "id"),
    )
    id_prefix = "cnv"

    contact_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("contacts.id", ondelete="CASCADE"), nullable=False, index=True
    )
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    status: Mapped[str] = mapped_column(String(8), nullable=False, default="open")
    assignee_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    last_message_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Template(PrefixedId, TenantScoped, Timestamps, db.Model):
    __tablename__ = "templates"
    __table_args__ = (
        UniqueConstraint(
            "partner_id", "environment", "channel", "name", "language", name="uq_templates_name"
        ),
    )
    id_prefix = "tpl"

    name: Mapped[str] = mapped_column(String(120), nullable=False)
    language: Mapped[str] = mapped_column(String(16), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="approved")


class Message(PrefixedId, TenantScoped, Timestamps, db.Model):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_scope_created", "partner_id", "environment", "created_at"),
        Index("ix_messages_status_updated", "status", "updated_at"),
        Index("ix_messages_provider", "gateway_id", "provider_message_id"),
        Index("ix_messages_scope_id", "partner_id", "environment", "id"),
        Index("ix_messages_conversation_id_order", "conversation_id", "id"),
    )
    id_prefix = "msg"

    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    direction: Mapped[str] = mapped_column(String(8), nullable=False, default="outbound")
    to_address: Mapped[str] = mapped_column(String(320), nullable=False)
    from_address: Mapped[str | None] = mapped_column(String(320))
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="queued")
    template: Mapped[str | None] = mapped_column(String(120))
    language: Mapped[str | None] = mapped_column(String(16))
    variables: Mapped[dict | None] = mapped_column(JSON)
    text: Mapped[str | None] = mapped_column(Text)
    subject: Mapped[str | None] = mapped_column(String(500))
    html: Mapped[str | None] = mapped_column(Text)
    title: Mapped[str | None] = mapped_column(String(200))
    # The partner's own key/value pairs, echoed in the message object and its webhooks.
    # (`metadata` is reserved on declarative models, hence the attribute name.)
    meta: Mapped[dict | None] = mapped_column("metadata", JSON)
    segments: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    conversation_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("conversations.id", ondelete="SET NULL"), index=True
    )
    contact_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("contacts.id", ondelete="SET NULL"), index=True
    )
    cost_estimate_micros: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    cost_micros: Mapped[int | None] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="USD")
    gateway_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("gateways.id"))
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    retry_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # RCS → SMS fallback: the SMS attempt points at the RCS original.
    fallback_of_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("messages.id"))
    status_sequence: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    # When the status last changed; the sweeper re-enqueues stale queued/sending rows.
    status_changed_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow
    )
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when an attempt may have reached the provider without an answer (a timeout, a
    # dropped connection): the next attempt first checks whether the message went out.
    unconfirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MessageEvent(PrefixedId, TenantScoped, db.Model):
    """One status change of a message, numbered per message."""

    __tablename__ = "message_events"
    __table_args__ = (
        UniqueConstraint("message_id", "sequence", name="uq_message_events_sequence"),
    )
    id_prefix = "mev"

    message_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("messages.id", ondelete="CASCADE"), nullable=False, index=True
    )
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    detail: Mapped[str | None] = mapped_column(Text)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
