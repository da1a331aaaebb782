"""What the agents' inbox keeps besides messages: thread activity, read markers, canned replies."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import PrefixedId, TenantScoped, Timestamps, UTCDateTime, utcnow

ACTIVITY_KINDS = ("note", "assigned", "unassigned", "closed", "reopened")


class ConversationActivity(PrefixedId, TenantScoped, db.Model):
    """A line of a thread that is not a message: an agent's internal note (never sent, never
    in `/api/v1`), or an action taken on the conversation (assigned, closed, reopened)."""

    __tablename__ = "conversation_activities"
    __table_args__ = (
        CheckConstraint("environment IN ('live', 'sandbox')", name="environment"),
        CheckConstraint("kind IN ('note', 'assigned', 'unassigned', 'closed', 'reopened')",
                        name="kind"),
        Index("ix_conversation_activities_thread", "conversation_id", "created_at"),
    )
    id_prefix = "act"

    conversation_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False)
    kind: Mapped[str] = mapped_column(String(16), nullable=False)
    # Who did it (a user); None when the partner API or the platform did.
    actor_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("users.id", ondelete="SET NULL"))
    # The assignee, for `assigned`.
    subject_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class ConversationRead(TenantScoped, db.Model):
    """Up to when one agent has seen one conversation (their unread count starts there)."""

    __tablename__ = "conversation_reads"
    __table_args__ = (
        CheckConstraint("environment IN ('live', 'sandbox')", name="environment"),
    )

    user_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    conversation_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)


class CannedReply(PrefixedId, TenantScoped, Timestamps, db.Model):
    """A team's saved answer that agents insert into the composer."""

    __tablename__ = "canned_replies"
    __table_args__ = (
        CheckConstraint("environment IN ('live', 'sandbox')", name="environment"),
        UniqueConstraint("partner_id", "environment", "title", name="uq_canned_replies_title"),
    )
    id_prefix = "cnr"

    title: Mapped[str] = mapped_column(String(120), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
