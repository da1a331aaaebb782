"""Events (the outbox), partner webhook endpoints and every delivery attempt."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import PrefixedId, TenantScoped, Timestamps, UTCDateTime, utcnow


class Event(PrefixedId, TenantScoped, db.Model):
    """Written in the same transaction as the change it reports, then fanned out."""

    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_scope_created", "partner_id", "environment", "created_at"),
        # The sweeper's scan for events not yet fanned out: only those rows are indexed.
        Index("ix_events_undispatched", "created_at",
              postgresql_where=text("dispatched_at IS NULL"),
              sqlite_where=text("dispatched_at IS NULL")),
    )
    id_prefix = "evt"

    type: Mapped[str] = mapped_column(String(64), nullable=False)
    data: Mapped[dict] = mapped_column(JSON, nullable=False)
    object_id: Mapped[str | None] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookEndpoint(PrefixedId, TenantScoped, Timestamps, db.Model):
    __tablename__ = "webhook_endpoints"
    id_prefix = "we"

    url: Mapped[str] = mapped_column(String(2000), nullable=False)
    description: Mapped[str | None] = mapped_column(String(500))
    # Empty list: every event type.
    event_types: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    secret_encrypted: Mapped[str] = mapped_column(Text, nullable=False)
    previous_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    previous_secret_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="enabled")
    # Set by operators: the platform-side endpoint of a partner.
    is_platform: Mapped[bool] = mapped_column(default=False, nullable=False)
    disabled_reason: Mapped[str | None] = mapped_column(String(200))
    # While set and in the future, one attempt to this endpoint is in flight: no other
    # delivery may start one (a slow receiver holds one worker, never all of them).
    busy_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The first failure of the current unbroken failing streak (any success clears it).
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # When it was disabled: re-enabling delivers the events missed since the streak began.
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebhookDelivery(PrefixedId, TenantScoped, Timestamps, db.Model):
    """One event to one endpoint; attempts are logged on it and in `webhook_attempts`."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        Index("ix_webhook_deliveries_status_next", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_endpoint_due", "endpoint_id", "status", "next_attempt_at"),
    )
    id_prefix = "whd"

    event_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("events.id", ondelete="CASCADE"), nullable=False, index=True
    )
    endpoint_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), nullable=False,
        index=True,
    )
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    attempt_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)


class WebhookAttempt(PrefixedId, TenantScoped, db.Model):
    __tablename__ = "webhook_attempts"
    id_prefix = "wha"

    delivery_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), nullable=False,
        index=True,
    )
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    response_excerpt: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
