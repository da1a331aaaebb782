"""The audit log: one append-only row per API call and admin action."""

from __future__ import annotations

from app.extensions import db
from app.models import AuditLog


def record(*, request_id: str, surface: str, method: str, path: str, status: int,
           actor: str | None = None, partner_id: str | None = None,
           environment: str | None = None, idempotency_key: str | None = None,
           object_ids: list[str] | None = None, ip: str | None = None,
           user_agent: str | None = None, latency_ms: int | None = None) -> None:
    """Write one audit row in its own transaction, after the call's own work is done."""
    db.session.rollback()  # never commit a request's half-done work along with the audit row
    db.session.add(AuditLog(
        request_id=request_id, surface=surface, actor=actor, partner_id=partner_id,
        environment=environment, method=method, path=path[:500], status=status,
        idempotency_key=idempotency_key, object_ids=object_ids or [], ip=ip,
        user_agent=(user_agent or "")[:500] or None, latency_ms=latency_ms,
    ))
    db.session.commit()
