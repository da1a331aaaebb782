"""Partners (tenants) and their access keys."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import PrefixedId, TenantScoped, Timestamps, UTCDateTime


class Partner(PrefixedId, Timestamps, db.Model):
    __tablename__ = "partners"
    id_prefix = "ptr"

    name: Mapped[str] = mapped_column(String(200), nullable=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="active")
    # Per-partner rate limits (requests per minute); NULL falls back to configuration.
    rate_limit_live: Mapped[int | None] = mapped_column(Integer)
    rate_limit_sandbox: Mapped[int | None] = mapped_column(Integer)

    def rate_limit_for(self, environment: str) -> int | None:
        """The partner's own limit in an environment; None: the configured default."""
        return self.rate_limit_live if environment == "live" else self.rate_limit_sandbox


class AccessKey(PrefixedId, TenantScoped, Timestamps, db.Model):
    """An API key; only its HMAC is stored, the plaintext is shown once at creation."""

    __tablename__ = "access_keys"
    __table_args__ = (
        CheckConstraint("environment IN ('live', 'sandbox')", name="environment"),
        Index("ix_access_keys_partner_env", "partner_id", "environment"),
    )
    id_prefix = "key"

    key_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    display_prefix: Mapped[str] = mapped_column(String(16), nullable=False)
    last_four: Mapped[str] = mapped_column(String(4), nullable=False)
    name: Mapped[str | None] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when rolled: the old key keeps working until then.
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    rolled_from_id: Mapped[str | None] = mapped_column(String(40), ForeignKey("access_keys.id"))

    @property
    def masked(self) -> str:
        """The key as shown after creation: prefix, ellipsis, last four."""
        return f"{self.display_prefix}…{self.last_four}"
