"""Upstream providers configured per channel and environment."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import PrefixedId, Timestamps, UTCDateTime, utcnow


class Gateway(PrefixedId, Timestamps, db.Model):
    """A provider account. `partner_id` NULL is the platform's shared gateway.

    Credentials are encrypted at rest (Fernet keyed from the secret key) or name an
    environment variable; they never appear in API responses or logs.
    """

    __tablename__ = "gateways"
    id_prefix = "gw"

    partner_id: Mapped[str | None] = mapped_column(String(40), index=True)
    environment: Mapped[str] = mapped_column(String(8), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    provider: Mapped[str] = mapped_column(String(32), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    base_url: Mapped[str | None] = mapped_column(String(500))
    credentials_encrypted: Mapped[str | None] = mapped_column(Text)
    settings: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")


class VerifiedSender(PrefixedId, db.Model):
    """A `from` a partner may send as (an address, number or sender name), per channel.

    Added by operators once they have verified the partner owns it; any other `from` is
    refused, so no partner can send as another on a shared gateway. One list serves both
    environments: the sandbox refuses what production would.
    """

    __tablename__ = "verified_senders"
    __table_args__ = (UniqueConstraint("partner_id", "channel", "address",
                                       name="uq_verified_senders_partner_channel_address"),)
    id_prefix = "snd"

    partner_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("partners.id", ondelete="CASCADE"), nullable=False, index=True)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    address: Mapped[str] = mapped_column(String(256), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
