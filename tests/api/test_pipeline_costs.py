"""What one call costs the pipeline, and how what it caches per process stays right.

A busy key or a template is resolved from the database once per process; a change to a
key, a partner, a price or a template reaches every process at its next request through the
epochs in Redis (app.services.cache_epoch). "Another process" is played by forgetting the
local generation count, so only the epoch in Redis can tell the cache that something changed.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
import redis
from sqlalchemy import event, update

from app.extensions import db
from app.models import Partner
from app.services import cache_epoch
from app.services.billing import prices
from app.services.messaging import templates
from app.services.tenancy import keys
from tests.api._messages import EXAMPLE, ORDER_TEMPLATE

SMS = {"channel": "sms", "to": "+15005550006", "text": "hello"}


@contextmanager
def _engine_events(app, name: str, record):
    seen: list = []
    with app.app_context():
        engine = db.engine

    def listener(*args):
        seen.append(record(*args))

    event.listen(engine, name, listener)
    try:
        yield seen
    finally:
        event.remove(engine, name, listener)


def statements(app):
    """The SQL statements run inside the block."""
    return _engine_events(app, "before_cursor_execute", lambda _c, _cur, statement, *_: statement)


def commits(app):
    """The database commits made inside the block."""
    return _engine_events(app, "commit", lambda _conn: 1)


@contextmanager
def redis_commands(monkeypatch):
    """The Redis commands sent inside the block (each one a round trip)."""
    seen: list[str] = []
    original = redis.Redis.execute_command

    def counting(self, *args, **options):
        seen.append(str(args[0]))
        return original(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", counting)
    yield seen
    monkeypatch.setattr(redis.Redis, "execute_command", original)


@contextmanager
def as_another_process(monkeypatch):
    """Make the change in the block as if another process had made it."""
    before = dict(cache_epoch._generations)
    yield
    monkeypatch.setattr(cache_epoch, "_generations", before)


def _reads_of(found: list[str], table: str) -> int:
    return sum(1 for s in found if s.lstrip().upper().startswith("SELECT") and
               f"FROM {table}" in s)


def test_a_busy_key_is_read_from_the_database_once(app, tenant):
    assert tenant.live.get("/balance").status_code == 200
    with statements(app) as found:
        assert tenant.live.get("/balance").status_code == 200
    assert _reads_of(found, "access_keys") == 0 and _reads_of(found, "partners") == 0


def test_a_revoked_key_is_refused_at_the_next_request_in_every_process(app, tenant,
                                                                        monkeypatch):
    assert tenant.live.get("/balance").status_code == 200  # now cached
    with as_another_process(monkeypatch), app.app_context():
        keys.revoke(keys.find(tenant.live.key).id)
    refused = tenant.live.get("/balance")
    assert refused.status_code == 401 and refused.json["code"] == "revoked_api_key"


def test_a_suspended_partner_is_refused_at_the_next_request_in_every_process(app, tenant,
                                                                             monkeypatch):
    assert tenant.live.get("/balance").status_code == 200
    with as_another_process(monkeypatch), app.app_context():
        db.session.execute(update(Partner).where(Partner.id == tenant.partner_id)
                           .values(status="suspended"))
        db.session.commit()
    assert tenant.live.get("/balance").status_code == 403


def test_a_new_rate_limit_applies_at_the_next_request(app, tenant, monkeypatch):
    assert tenant.live.get("/balance").headers["RateLimit-Policy"].startswith("600;")
    with as_another_process(monkeypatch), app.app_context():
        partner = db.session.get(Partner, tenant.partner_id)
        partner.rate_limit_live = 7
        db.session.commit()
    assert tenant.live.get("/balance").headers["RateLimit-Policy"] == "7;w=60"


def test_without_the_cache_every_request_reads_the_key(app, tenant, monkeypatch):
    monkeypatch.setitem(app.config, "CACHE_SECONDS", 0)
    tenant.live.get("/balance")
    with statements(app) as found:
        tenant.live.get("/balance")
    assert _reads_of(found, "access_keys") == 1


def test_a_new_price_applies_to_the_next_send_in_every_process(app, tenant, monkeypatch):
    first = tenant.sandbox.post("/messages", json=SMS)
    assert first.status_code == 202
    with as_another_process(monkeypatch), app.app_context():
        prices.set_price("sms", "1", 123_000, actor="usr_test")
        db.session.commit()
    second = tenant.sandbox.post("/messages", json=SMS)
    assert second.json["cost_estimate"] == "0.123" != first.json["cost_estimate"]


def test_a_read_costs_two_redis_round_trips_and_no_credential_lookup(app, tenant,
                                                                     monkeypatch):
    """The per-IP limits with the epochs, then the partner's limit: nothing else."""
    tenant.live.get("/balance")
    with redis_commands(monkeypatch) as sent:
        assert tenant.live.get("/balance").status_code == 200
    assert len(sent) == 2, sent


def test_a_keyed_write_adds_one_round_trip_for_its_lock_release(app, tenant, monkeypatch):
    """The lock is taken with the partner's limit; only its release is a trip of its own."""
    tenant.live.get("/balance")
    with redis_commands(monkeypatch) as sent:
        response = tenant.live.post("/contacts", json={"name": "Ada"}, idempotency_key="k-1")
    assert response.status_code == 201
    assert len(sent) == 3, sent


def test_a_successful_write_commits_once_with_its_audit_row(app, tenant):
    tenant.sandbox.get("/balance")  # the key's last-used write happens here
    with commits(app) as committed:
        response = tenant.sandbox.post("/messages", json=SMS, idempotency_key="one-commit")
    assert response.status_code == 202
    assert len(committed) == 1


@pytest.mark.parametrize("setting", ["RATE_LIMIT_ENABLED"])
def test_the_rate_limit_can_be_switched_off(app, tenant, monkeypatch, setting):
    monkeypatch.setitem(app.config, setting, False)
    with app.app_context():
        db.session.execute(update(Partner).values(rate_limit_live=1))
        db.session.commit()
    answers = [tenant.live.get("/balance") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 200]
    assert all("RateLimit" not in a.headers for a in answers)


def test_idempotency_can_be_switched_off(app, tenant, monkeypatch):
    monkeypatch.setitem(app.config, "IDEMPOTENCY_ENABLED", False)
    first = tenant.live.post("/contacts", json={"name": "Ada"}, idempotency_key="same")
    second = tenant.live.post("/contacts", json={"name": "Ada"}, idempotency_key="same")
    assert first.status_code == second.status_code == 201
    assert first.json["id"] != second.json["id"]
    assert "Idempotent-Replayed" not in second.headers


def test_a_malformed_idempotency_key_still_counts_against_the_limit(app, tenant):
    """The key is read before the limit (its lock is taken in the same trip), yet a bad one
    is answered only after the call was counted, as any other refused call."""
    refused = tenant.live.post("/contacts", json={"name": "Ada"}, idempotency_key="bad key")
    assert refused.status_code == 400 and refused.json["code"] == "invalid_idempotency_key"
    assert refused.headers["X-RateLimit-Remaining"] == "599"


def test_production_starts_with_a_warning_when_a_guard_is_switched_off(app, caplog):
    import secrets

    from app import create_app

    production = {"ENV_NAME": "production", "SECRET_KEY": "s" * 40, "KEY_PEPPER": "p" * 40,
                  "GATEWAY_CREDENTIALS_KEY": secrets.token_urlsafe(32)}
    create_app(production)
    assert "IDEMPOTENCY_ENABLED" not in caplog.text
    create_app({**production, "IDEMPOTENCY_ENABLED": False})
    assert "IDEMPOTENCY_ENABLED off" in caplog.text


def test_a_template_named_by_sends_is_read_from_the_database_once(app, api, order_template):
    assert api.post("/messages", json=EXAMPLE).status_code == 202
    with statements(app) as found:
        assert api.post("/messages", json=EXAMPLE).status_code == 202
        assert api.post("/messages", json={**EXAMPLE, "template": "missing"}).status_code == 422
        assert api.post("/messages", json={**EXAMPLE, "template": "missing"}).status_code == 422
    assert _reads_of(found, "templates") == 1  # the miss, once; the hit not at all


def test_a_deleted_template_is_refused_at_the_next_send_in_every_process(app, api, tenant,
                                                                         order_template,
                                                                         monkeypatch):
    assert api.post("/messages", json=EXAMPLE).status_code == 202  # now cached
    with as_another_process(monkeypatch), app.app_context():
        templates.delete(tenant.partner_id, "live", order_template["id"])
    refused = api.post("/messages", json=EXAMPLE)
    assert refused.status_code == 422 and refused.json["code"] == "template_not_found"


def test_a_new_template_is_found_at_the_next_send_in_every_process(app, api, tenant,
                                                                   monkeypatch):
    assert api.post("/messages", json=EXAMPLE).json["code"] == "template_not_found"  # cached
    with as_another_process(monkeypatch), app.app_context():
        templates.create(tenant.partner_id, "live", **ORDER_TEMPLATE)
    assert api.post("/messages", json=EXAMPLE).status_code == 202


def test_a_send_writes_with_one_statement_per_kind_of_row(app, tenant):
    """Contacts found and locked in one statement, the wallet debited without reading it
    first, the open conversation found and touched by one UPDATE."""
    assert tenant.sandbox.post("/messages", json=SMS).status_code == 202
    with statements(app) as found:
        assert tenant.sandbox.post("/messages", json=SMS).status_code == 202
    assert _reads_of(found, "wallets") == 0
    assert _reads_of(found, "contacts") == 0 and _reads_of(found, "conversations") == 0
    assert len([s for s in found if not s.lstrip().upper().startswith(
        ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE"))]) <= 9


def test_a_send_builds_none_of_its_statements(app, tenant):
    """Every statement of a keyed send (its idempotency record and audit row included) is
    built once per process and bound per call: building one cost more than running it
    (issue 10, bench send_efficiency)."""
    def send(key):
        return tenant.sandbox.post("/messages", json=SMS, idempotency_key=key).status_code

    assert send("first") == 202
    run = lambda _conn, clause, *_: clause  # noqa: E731 - the statement object itself
    with _engine_events(app, "before_execute", run) as first:
        assert send("second") == 202
    with _engine_events(app, "before_execute", run) as second:
        assert send("third") == 202
    assert len(second) == len(first) == 9
    assert [str(b)[:50] for a, b in zip(first, second, strict=True) if a is not b] == []
