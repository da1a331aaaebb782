"""Stored responses of idempotent requests, scoped to (partner, environment, scope, key).

`scope` is "" for a partner's own key space (/api/v1) and names the user elsewhere (see
`app.api.idempotency.scope_of`).

Bodies are encrypted at rest: a stored response may carry a secret shown once (a new webhook
endpoint's signing secret) or personal data, and it is kept for 24 hours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import bindparam, delete, insert, select

from app.errors import ApiError
from app.extensions import db
from app.models import IdempotencyRecord
from app.models.base import utcnow
from app.services import secretbox

# How long a stored response answers its key (the docs promise 24 hours); the worker's
# maintenance purges older records.
RETENTION = timedelta(hours=24)
# Response headers worth replaying; Request-Id and rate-limit headers describe the new call.
REPLAYED_HEADERS = ("Content-Type", "Location")

_records = IdempotencyRecord.__table__
# Built once, bound per call: on the send path building a statement cost more than running
# it (bench send_efficiency, issue 10).
_FIND = select(_records.c.id, _records.c.fingerprint, _records.c.status_code,
               _records.c.headers, _records.c.body, _records.c.created_at).where(
    _records.c.partner_id == bindparam("partner_id"),
    _records.c.environment == bindparam("environment"),
    _records.c.scope == bindparam("scope"), _records.c.key == bindparam("key"))
_STORE = insert(_records)


@dataclass(frozen=True)
class StoredResponse:
    fingerprint: str
    status_code: int
    headers: dict
    body: bytes


def find(partner_id: str, environment: str, key: str, scope: str = "") -> StoredResponse | None:
    """The live (under 24 h old) record for this key, if any."""
    record = db.session.execute(_FIND, {"partner_id": partner_id, "environment": environment,
                                        "scope": scope, "key": key}).first()
    if record is None:
        return None
    if record.created_at < utcnow() - RETENTION:
        # Expired: the key may be used afresh.
        db.session.execute(delete(_records).where(_records.c.id == record.id))
        return None
    try:
        body = secretbox.open_(record.body)
    except secretbox.InvalidToken:
        # Never run the effect again in its place: that could send or charge twice.
        raise ApiError("internal_error", "The stored response for this Idempotency-Key cannot "
                       "be read (the encryption keys changed); contact support.") from None
    return StoredResponse(record.fingerprint, record.status_code, record.headers, body)


def store(partner_id: str, environment: str, key: str, fingerprint: str, status_code: int,
          headers: dict, body: bytes, scope: str = "") -> None:
    """Add the record to the current transaction; it commits together with the effect."""
    kept = {name: headers[name] for name in REPLAYED_HEADERS if name in headers}
    db.session.execute(_STORE, {  # the id and created_at: the columns' defaults
        "partner_id": partner_id, "environment": environment, "scope": scope, "key": key,
        "fingerprint": fingerprint, "status_code": status_code, "headers": kept,
        "body": secretbox.seal(body)})
