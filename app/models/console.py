"""What the console keeps besides the tenants' own data: evaluation requests, team
invitations, and the prices operators set over the channel registry's defaults."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import PrefixedId, Timestamps, UTCDateTime

EVALUATION_STATUSES = ("pending", "approved", "rejected")


class EvaluationRequest(PrefixedId, Timestamps, db.Model):
    """A company's request to try the platform (the docs' "Request an evaluation" form)."""

    __tablename__ = "evaluation_requests"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected')", name="status"),
    )
    id_prefix = "evr"

    company: Mapped[str] = mapped_column(String(200), nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    email: Mapped[str] = mapped_column(String(320), nullable=False, index=True)
    channels: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    monthly_volume: Mapped[str] = mapped_column(String(32), nullable=False)
    use_case: Mapped[str] = mapped_column(Text, nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    reason: Mapped[str | None] = mapped_column(String(500))
    partner_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("partners.id", ondelete="SET NULL"))
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Invitation(PrefixedId, Timestamps, db.Model):
    """A one-time link that lets an invited team member choose their password.

    Only an HMAC of the token is stored; the link is in the invitation email alone.
    """

    __tablename__ = "invitations"
    id_prefix = "inv"

    user_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True)
    token_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PriceOverride(PrefixedId, Timestamps, db.Model):
    """An operator's unit price for a channel, for one country calling code or ("") all.

    Pricing reads these first (longest matching country code wins) and falls back to the
    channel registry's defaults.
    """

    __tablename__ = "price_overrides"
    __table_args__ = (
        UniqueConstraint("channel", "country_code", name="uq_price_overrides_channel_country"),
        CheckConstraint("price_micros >= 0", name="non_negative"),
    )
    id_prefix = "prc"

    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    country_code: Mapped[str] = mapped_column(String(4), nullable=False, default="")
    price_micros: Mapped[int] = mapped_column(BigInteger, nullable=False)
    updated_by: Mapped[str | None] = mapped_column(String(80))
