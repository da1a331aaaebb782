"""The mobile app's credentials: token pairs for `/api/mobile` and FCM push registrations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import PrefixedId, TenantScoped, Timestamps, UTCDateTime, utcnow

PLATFORMS = ("android", "ios")


class MobileToken(PrefixedId, TenantScoped, Timestamps, db.Model):
    """One issued access + refresh token pair; only their HMACs are stored.

    A sign-in starts a family; each refresh consumes its pair and adds the next one to the
    same family. Presenting a consumed refresh token again revokes the whole family.
    """

    __tablename__ = "mobile_tokens"
    __table_args__ = (
        CheckConstraint("environment IN ('live', 'sandbox')", name="environment"),
    )
    id_prefix = "mtk"

    user_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    family_id: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    access_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    refresh_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    access_expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    refresh_expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # The sign-in's absolute end, the same for every pair of a family: refreshes slide the
    # refresh token's expiry, never past this.
    session_expires_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    # Set when the refresh token was exchanged for the next pair (both stop working).
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    user_agent: Mapped[str | None] = mapped_column(String(500))


class PushToken(PrefixedId, TenantScoped, db.Model):
    """An FCM registration token of one device, for the user signed in on it."""

    __tablename__ = "push_tokens"
    __table_args__ = (
        CheckConstraint("environment IN ('live', 'sandbox')", name="environment"),
        CheckConstraint("platform IN ('android', 'ios')", name="platform"),
    )
    id_prefix = "ptk"

    user_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True
    )
    token: Mapped[str] = mapped_column(String(512), nullable=False, unique=True)
    platform: Mapped[str] = mapped_column(String(8), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
