"""Upstream providers configured per channel and environment."""

from __future__ import annotations

from sqlalchemy import JSON, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import PrefixedId, Timestamps


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
