"""The append-only audit log: one row per API call and per admin action."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import PrefixedId, UTCDateTime, utcnow


class AuditLog(PrefixedId, db.Model):
    """Partner and environment are nullable: operator actions may span no tenant."""

    __tablename__ = "audit_log"
    id_prefix = "aud"

    request_id: Mapped[str] = mapped_column(String(40), nullable=False, index=True)
    surface: Mapped[str] = mapped_column(String(16), nullable=False)  # v1|mobile|internal|admin|cli
    actor: Mapped[str | None] = mapped_column(String(80))  # key_..., usr_..., "cli"
    partner_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    environment: Mapped[str | None] = mapped_column(String(8))
    method: Mapped[str] = mapped_column(String(8), nullable=False)
    path: Mapped[str] = mapped_column(String(500), nullable=False)
    status: Mapped[int] = mapped_column(Integer, nullable=False)
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    object_ids: Mapped[list] = mapped_column(JSON, nullable=False, default=list)
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(500))
    latency_ms: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, nullable=False, index=True
    )


@event.listens_for(AuditLog, "before_update")
@event.listens_for(AuditLog, "before_delete")
def _audit_is_append_only(_mapper, _connection, target):
    raise ValueError(f"audit row {target.id} is append-only")
