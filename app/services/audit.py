"""The audit log: one append-only row per API call and admin action.

Calls refused before anyone was identified (a bad key, token or session; the per-IP 429s
in front of authentication) are aggregated instead: one row per surface, client IP and
minute, the first of them (`record_refused`). Otherwise whoever floods us with bad keys
would also write to our database at the rate they choose.
"""

from __future__ import annotations

import time
from datetime import datetime

import redis
from sqlalchemy import insert, select

from app.extensions import db, redis_connection
from app.models import AuditLog
from app.services.pagination import Page, paginate

REFUSED_WINDOW_SECONDS = 60
# Without Redis: which (surface, ip, window) already has its row, in this process.
_refused_seen: dict[tuple[str, str, int], None] = {}
# Built once, bound per call: every API write adds a row (bench send_efficiency, issue 10).
_ADD = insert(AuditLog.__table__)


def record(**fields) -> None:
    """Write one audit row in its own transaction, after the call's own work is done.

    Takes the fields of `add`.
    """
    db.session.rollback()  # never commit a request's half-done work along with the audit row
    add(**fields)
    db.session.commit()


def add(*, request_id: str, surface: str, method: str, path: str, status: int,
        actor: str | None = None, partner_id: str | None = None,
        environment: str | None = None, idempotency_key: str | None = None,
        object_ids: list[str] | None = None, ip: str | None = None,
        user_agent: str | None = None, latency_ms: int | None = None) -> None:
    """Add one audit row to the current transaction: it commits with the call's effect."""
    db.session.execute(_ADD, {  # the id and created_at: the columns' defaults
        "request_id": request_id, "surface": surface, "actor": actor,
        "partner_id": partner_id, "environment": environment, "method": method,
        "path": path[:500], "status": status, "idempotency_key": idempotency_key,
        "object_ids": object_ids or [], "ip": ip,
        "user_agent": (user_agent or "")[:500] or None, "latency_ms": latency_ms})


def record_refused(*, surface: str, method: str, path: str, status: int, request_id: str,
                   ip: str | None, user_agent: str | None) -> bool:
    """Audit a refused, unidentified call once per surface, IP and minute; whether it wrote."""
    window = int(time.time()) // REFUSED_WINDOW_SECONDS
    name = f"audit:refused:{surface}:{ip or 'unknown'}:{window}"
    try:
        first = redis_connection.client.set(name, 1, nx=True, ex=2 * REFUSED_WINDOW_SECONDS)
    except redis.RedisError:
        first = _first_in_process((surface, ip or "unknown", window))
    if not first:
        return False
    record(request_id=request_id, surface=surface, method=method, path=path, status=status,
           ip=ip, user_agent=user_agent)
    return True


def _first_in_process(slot: tuple[str, str, int]) -> bool:
    if slot in _refused_seen:
        return False
    if len(_refused_seen) > 10_000:  # forget old windows; never grow without bound
        _refused_seen.clear()
    _refused_seen[slot] = None
    return True


def page(partner_id: str, *, actor: str | None = None, surface: str | None = None,
         q: str | None = None, since: datetime | None = None, until: datetime | None = None,
         errors_only: bool = False, cursor: str | None = None, limit: int = 50) -> Page:
    """One page of a partner's audit log, newest first (both environments)."""
    statement = select(AuditLog).where(AuditLog.partner_id == partner_id)
    if actor:
        statement = statement.where(AuditLog.actor == actor)
    if surface:
        statement = statement.where(AuditLog.surface == surface)
    if q:
        statement = statement.where(AuditLog.path.contains(q, autoescape=True))
    if since is not None:
        statement = statement.where(AuditLog.created_at >= since)
    if until is not None:
        statement = statement.where(AuditLog.created_at < until)
    if errors_only:
        statement = statement.where(AuditLog.status >= 400)
    return paginate(statement, AuditLog.id, limit, cursor)
