"""Throttling in front of authentication (issue: bad keys never got 429, each wrote an audit
row; /hooks/* and the admin sign-in had no limit at all)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db
from app.models import AuditLog
from app.services.messaging import gateways
from app.services.tenancy import keys, passwords, signin_backoff
from tests.api._mobile import _sign_in, _user

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def _audit_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(AuditLog))


def _bearer(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def hashes(monkeypatch):
    """How many password hashes were computed (each costs 64 MiB of memory)."""
    calls = []
    real = passwords.verify_password

    def counting(stored, password):
        calls.append(1)
        return real(stored, password)

    monkeypatch.setattr("app.services.tenancy.users.verify_password", counting)
    return calls


def test_bad_keys_get_429_from_one_ip_and_one_audit_row(app, client, tenant, monkeypatch):
    monkeypatch.setitem(app.config, "AUTH_FAILURE_RATE_LIMIT", 3)
    with app.app_context():
        forged = [keys.generate("live") for _ in range(6)]  # well formed, unknown
    answers = [client.get("/api/v1/balance", headers=_bearer(key)).status_code
               for key in forged]
    assert answers == [401, 401, 401, 429, 429, 429]
    # Once refused, even a real key from that address waits: the lookup is what is saved.
    assert client.get("/api/v1/balance", headers=_bearer(tenant.live.key)
                      ).status_code == 429
    assert _audit_rows(app) == 1  # one row for the address and minute, not one per key
    elsewhere = app.test_client()
    other_ip = {"REMOTE_ADDR": "198.51.100.7"}
    assert elsewhere.get("/api/v1/balance", headers=_bearer(tenant.live.key),
                         environ_base=other_ip).status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/channels", "/api/mobile/conversations",
                                  "/api/internal/conversations/x/close"])
def test_every_surface_limits_each_ip_before_authentication(app, client, monkeypatch, path):
    monkeypatch.setitem(app.config, "IP_RATE_LIMIT", 4)
    monkeypatch.setitem(app.config, "AUTH_FAILURE_RATE_LIMIT", 1000)
    if "internal" in path:  # a page's CSRF token, but no signed-in session
        token = CSRF.search(client.get("/admin/login").get_data(as_text=True)).group(1)
        statuses = [client.post(path, headers={"X-CSRFToken": token}).status_code
                    for _ in range(6)]
    else:
        statuses = [client.get(path).status_code for _ in range(6)]
    assert statuses[:4] == [401] * 4 and statuses[4:] == [429, 429]


def test_hooks_limit_each_ip_and_refuse_one_that_keeps_failing_signatures(app, client, tenant,
                                                                          monkeypatch):
    with app.app_context():
        gateway_id = gateways.add_gateway("sms", "twilio", "Twilio", partner_id=tenant.partner_id,
                                          credentials={"auth_token": "real-token"}).id
    monkeypatch.setitem(app.config, "AUTH_FAILURE_RATE_LIMIT", 2)
    forged = {"MessageSid": "SM1", "MessageStatus": "failed"}
    statuses = [client.post(f"/hooks/{gateway_id}", data=forged,
                            headers={"X-Twilio-Signature": "forged"}).status_code
                for _ in range(4)]
    assert statuses == [401, 401, 429, 429]
    monkeypatch.setitem(app.config, "IP_RATE_LIMIT", 3)
    other = {"REMOTE_ADDR": "198.51.100.8"}
    counted = [client.get(f"/hooks/{gateway_id}", environ_base=other).status_code
               for _ in range(4)]
    assert counted[-1] == 429 and 429 not in counted[:3]


def _admin_sign_in(client, email, password, ip="203.0.113.5"):
    page = client.get("/admin/login", environ_base={"REMOTE_ADDR": ip})
    token = CSRF.search(page.get_data(as_text=True)).group(1)
    return client.post("/admin/login", data={"email": email, "password": password,
                                             "csrf_token": token},
                       environ_base={"REMOTE_ADDR": ip})


def test_admin_sign_in_is_limited_per_ip_before_any_password_hash(app, tenant, monkeypatch,
                                                                  hashes):
    monkeypatch.setitem(app.config, "PUBLIC_RATE_LIMIT", 3)
    monkeypatch.setitem(app.config, "SIGNIN_FREE_FAILURES", 100)
    _user(app, tenant.partner_id, email="agent@acme.example")
    client = app.test_client()
    answers = [_admin_sign_in(client, f"guess{n}@acme.example", "wrong").status_code
               for n in range(5)]
    assert answers == [401, 401, 401, 429, 429]
    assert len(hashes) == 3  # the refused attempts cost no Argon2 hash
    limited = _admin_sign_in(client, "agent@acme.example", "wrong")
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) >= 1
    assert "Too many sign-in attempts" in limited.get_data(as_text=True)


def test_failed_sign_ins_make_the_account_wait_admin_and_mobile(app, tenant, monkeypatch,
                                                                 hashes):
    monkeypatch.setitem(app.config, "SIGNIN_FREE_FAILURES", 2)
    _user(app, tenant.partner_id, email="agent@acme.example")
    _user(app, tenant.partner_id, email="other@acme.example")
    admin, phone = app.test_client(), app.test_client()
    assert _admin_sign_in(admin, "agent@acme.example", "wrong-1").status_code == 401
    assert _sign_in(phone, "agent@acme.example", password="wrong-2").status_code == 401
    # The right password, from either front door, now has to wait: guessing got slower.
    waiting = _sign_in(phone, "agent@acme.example")
    assert waiting.status_code == 429 and waiting.json["code"] == "rate_limited"
    assert int(waiting.headers["Retry-After"]) >= 1
    assert _admin_sign_in(admin, "agent@acme.example", "correct horse battery"
                          ).status_code == 429
    assert len(hashes) == 2
    assert _sign_in(phone, "other@acme.example").status_code == 200  # others are untouched


def test_the_backoff_doubles_up_to_its_cap(app_ctx, app, monkeypatch):
    monkeypatch.setitem(app.config, "SIGNIN_FREE_FAILURES", 5)
    monkeypatch.setitem(app.config, "SIGNIN_MAX_BACKOFF_SECONDS", 900)
    waits = [signin_backoff.wait_seconds(n, 1000.0, 1000.0) for n in (4, 5, 6, 7, 14, 40)]
    assert waits == [0, 1, 2, 4, 512, 900]
    assert signin_backoff.wait_seconds(6, 1000.0, 1003.0) == 0


def test_sign_in_limits_hold_without_redis(app, tenant, monkeypatch, hashes):
    """Redis down must not mean unlimited guessing: the limits count in memory instead."""
    monkeypatch.setattr(signin_backoff, "_memory", {})
    _user(app, tenant.partner_id, email="agent@acme.example")
    _user(app, tenant.partner_id, email="second@acme.example")
    offline = create_app({"ENV_NAME": "testing", "REDIS_URL": "redis://127.0.0.1:1/0",
                          "PUBLIC_RATE_LIMIT": 3, "SIGNIN_FREE_FAILURES": 1000})
    phone = offline.test_client()
    answers = [_sign_in(phone, "agent@acme.example", password="guess").status_code
               for _ in range(5)]
    assert answers == [401, 401, 401, 429, 429]
    assert len(hashes) == 3
    offline_backoff = create_app({"ENV_NAME": "testing", "REDIS_URL": "redis://127.0.0.1:1/0",
                                  "SIGNIN_FREE_FAILURES": 1})
    admin = offline_backoff.test_client()
    assert _sign_in(admin, "second@acme.example", password="guess").status_code == 401
    assert _sign_in(admin, "second@acme.example").status_code == 429


def test_x_forwarded_for_counts_only_behind_the_configured_proxies(app, tenant, monkeypatch):
    monkeypatch.setitem(app.config, "AUTH_FAILURE_RATE_LIMIT", 1)
    bad = _bearer("ak_live_" + "0" * 36)
    direct = app.test_client()
    # No proxy configured: a client cannot pick a fresh address per request.
    spoofed = [direct.get("/api/v1/balance", headers={**bad, "X-Forwarded-For": f"10.0.0.{n}"}
                          ).status_code for n in range(3)]
    assert spoofed == [401, 429, 429]
    proxied = create_app({"ENV_NAME": "testing", "PROXY_COUNT": 1,
                          "AUTH_FAILURE_RATE_LIMIT": 1}).test_client()
    real_clients = [proxied.get("/api/v1/balance",
                                headers={**bad, "X-Forwarded-For": f"192.0.2.{n}"},
                                environ_base={"REMOTE_ADDR": "10.9.9.9"}).status_code
                    for n in range(3)]
    assert real_clients == [401, 401, 401]  # three clients behind one proxy, each its own
    with app.app_context():
        ips = set(db.session.scalars(select(AuditLog.ip)))
    assert {"192.0.2.0", "192.0.2.1", "192.0.2.2"} <= ips


def test_sign_ins_refused_by_the_ip_limit_are_audited_once(app, tenant, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_RATE_LIMIT", 2)
    monkeypatch.setitem(app.config, "SIGNIN_FREE_FAILURES", 100)
    client = app.test_client()
    answers = [_sign_in(client, "nobody@acme.example", password="guess").status_code
               for _ in range(6)]
    assert answers == [401, 401, 429, 429, 429, 429]
    with app.app_context():
        statuses = sorted(db.session.scalars(select(AuditLog.status)))
    assert statuses == [401, 401, 429]  # each failed password, then one row for the 429s
