"""Retention: each kind of expired row is purged, in bounded batches, by one worker at a time."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.extensions import db, redis_connection
from app.models import (
    AuditLog,
    Event,
    IdempotencyRecord,
    MobileToken,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from app.models.base import new_id, utcnow
from app.services import maintenance
from tests.factories import make_partner, make_user
from tests.helpers import set_config


@pytest.fixture
def partner(app_ctx):
    return make_partner().partner


def _idempotency(partner_id: str, key: str, age: timedelta) -> None:
    db.session.add(IdempotencyRecord(partner_id=partner_id, environment="live", key=key,
                                     fingerprint="f" * 64, status_code=202, headers={},
                                     body=b"{}", created_at=utcnow() - age))


def _token(partner_id: str, user_id: str, name: str, *, refresh_expired: timedelta | None = None,
           revoked: timedelta | None = None) -> None:
    now = utcnow()
    db.session.add(MobileToken(
        partner_id=partner_id, environment="live", user_id=user_id, family_id=name,
        access_hash=name.ljust(64, "a"), refresh_hash=name.ljust(64, "r"),
        access_expires_at=now + timedelta(hours=1),
        refresh_expires_at=now - refresh_expired if refresh_expired else now + timedelta(days=9),
        session_expires_at=now + timedelta(days=90),
        revoked_at=now - revoked if revoked else None, user_agent=name))


def _attempt(partner_id: str, note: str, age: timedelta) -> None:
    event = Event(partner_id=partner_id, environment="live", type="message.sent", data={})
    endpoint = WebhookEndpoint(partner_id=partner_id, environment="live",
                               url="https://example.com/hook", event_types=[],
                               secret_encrypted="x", status="enabled", is_platform=False)
    db.session.add_all([event, endpoint])
    db.session.flush()
    delivery = WebhookDelivery(partner_id=partner_id, environment="live", event_id=event.id,
                               endpoint_id=endpoint.id, status="succeeded", attempt_count=1)
    db.session.add(delivery)
    db.session.flush()
    db.session.add(WebhookAttempt(partner_id=partner_id, environment="live",
                                  delivery_id=delivery.id, status_code=200, error=note,
                                  created_at=utcnow() - age))


def _audit(path: str, age: timedelta) -> None:
    db.session.add(AuditLog(request_id=new_id("req"), surface="v1", method="GET", path=path,
                            status=200, object_ids=[], created_at=utcnow() - age))


def test_each_kind_of_expired_row_is_purged_and_the_rest_kept(partner):
    user = make_user("agent", partner.id)
    _idempotency(partner.id, "old", timedelta(hours=25))
    _idempotency(partner.id, "fresh", timedelta(hours=23))
    _token(partner.id, user.id, "expired", refresh_expired=timedelta(days=8))
    _token(partner.id, user.id, "revoked", revoked=timedelta(days=8))
    _token(partner.id, user.id, "just-revoked", revoked=timedelta(days=1))
    _token(partner.id, user.id, "active")
    _attempt(partner.id, "old", timedelta(days=31))
    _attempt(partner.id, "fresh", timedelta(days=29))
    _audit("/old", timedelta(days=366))
    _audit("/fresh", timedelta(days=364))
    db.session.commit()

    assert maintenance.purge() == {"idempotency_records": 1, "mobile_tokens": 2,
                                   "webhook_attempts": 1, "audit_rows": 1}
    assert db.session.scalars(select(IdempotencyRecord.key)).all() == ["fresh"]
    assert sorted(db.session.scalars(select(MobileToken.family_id))) == ["active",
                                                                         "just-revoked"]
    assert db.session.scalars(select(WebhookAttempt.error)).all() == ["fresh"]
    assert db.session.scalars(select(AuditLog.path).where(
        AuditLog.path.in_(("/old", "/fresh")))).all() == ["/fresh"]
    assert set(maintenance.purge().values()) == {0}


def test_retention_periods_are_settings(partner, app, monkeypatch):
    _audit("/week-old", timedelta(days=8))
    db.session.commit()
    assert maintenance.purge()["audit_rows"] == 0
    set_config(monkeypatch, app, "AUDIT_RETENTION_DAYS", 7)
    assert maintenance.purge()["audit_rows"] == 1


def test_a_purge_deletes_at_most_one_batch_of_each_kind(partner, app, monkeypatch):
    set_config(monkeypatch, app, "PURGE_BATCH", 2)
    for key in ("a", "b", "c"):
        _idempotency(partner.id, key, timedelta(days=2))
    db.session.commit()
    assert maintenance.purge()["idempotency_records"] == 2
    assert maintenance.purge()["idempotency_records"] == 1
    assert db.session.scalars(select(IdempotencyRecord)).all() == []


def test_only_one_worker_purges_per_interval(partner):
    redis_connection.client.delete(maintenance.PURGE_LEASE_KEY)
    _idempotency(partner.id, "old", timedelta(days=2))
    db.session.commit()
    assert maintenance.purge_if_due()["idempotency_records"] == 1
    _idempotency(partner.id, "older", timedelta(days=3))
    db.session.commit()
    assert maintenance.purge_if_due() is None  # another worker's turn has not come
    assert db.session.scalars(select(IdempotencyRecord.key)).all() == ["older"]
