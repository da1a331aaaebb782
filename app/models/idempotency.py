"""Idempotency records: one per (partner, environment, scope, key), committed with the effect."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Integer, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import PrefixedId, TenantScoped, UTCDateTime, utcnow


class IdempotencyRecord(PrefixedId, TenantScoped, db.Model):
    __tablename__ = "idempotency_records"
    __table_args__ = (
        UniqueConstraint("partner_id", "environment", "scope", "key",
                         name="uq_idempotency_scope_key"),
    )
    id_prefix = "idem"

    # Whose key space: "" on /api/v1 (the partner's, per environment); `<surface>:<user id>`
    # on /api/mobile and /api/internal, where each user chooses keys of their own.
    scope: Mapped[str] = mapped_column(String(80), nullable=False, default="",
                                       server_default=text("''"))
    key: Mapped[str] = mapped_column(String(255), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    status_code: Mapped[int] = mapped_column(Integer, nullable=False)
    headers: Mapped[dict] = mapped_column(JSON, nullable=False, default=dict)
    body: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow, index=True
    )
