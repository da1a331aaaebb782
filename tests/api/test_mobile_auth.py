"""The agents' mobile API tokens: sign in, bearer access, refresh rotation and revoke."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.api.mobile.auth import TokenOut
from app.extensions import db
from app.models import MobileToken, User
from app.models.base import utcnow
from app.services.mobile import tokens as mobile_tokens
from tests.api._mobile import PASSWORD, Mobile, _audit, _count, _sign_in, _user
from tests.factories import make_user

# --- signing in -------------------------------------------------------------------------


def test_sign_in_returns_a_bearer_pair_with_the_user(app, tenant, agent):
    body = agent.tokens
    TokenOut.model_validate(body)
    assert body["access_token"].startswith("mat_") and body["refresh_token"].startswith("mrt_")
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert body["refresh_expires_in"] == 30 * 24 * 3600
    assert body["environment"] == "live"
    assert body["user"] == {"id": agent.user_id, "object": "user",
                            "email": "agent@acme.example", "name": None, "role": "agent",
                            "partner_id": tenant.partner_id}


def test_sign_in_response_is_not_cacheable_and_is_audited_with_the_user(app, tenant):
    user_id = _user(app, tenant.partner_id, role="admin", email="boss@acme.example")
    response = _sign_in(app.test_client(), "Boss@Acme.example", environment="sandbox")
    assert response.status_code == 200 and response.json["environment"] == "sandbox"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["RateLimit-Policy"] == "20;w=60"
    row = _audit(app, response)
    assert (row.surface, row.actor, row.partner_id, row.environment, row.status) == (
        "mobile", user_id, tenant.partner_id, "sandbox", 200)


def test_tokens_are_stored_only_as_peppered_hmacs(app, agent):
    with app.app_context():
        record = db.session.scalar(select(MobileToken))
        pepper = app.config["KEY_PEPPER"].encode()
        for stored, token in ((record.access_hash, agent.tokens["access_token"]),
                              (record.refresh_hash, agent.tokens["refresh_token"])):
            assert stored == hmac.new(pepper, token.encode(), hashlib.sha256).hexdigest()
        stored = " ".join(str(getattr(record, c.key)) for c in MobileToken.__table__.columns)
        assert agent.tokens["access_token"] not in stored
        assert agent.tokens["refresh_token"][4:] not in stored


@pytest.mark.parametrize(("email", "password"), [("agent@acme.example", "wrong password"),
                                                 ("nobody@acme.example", PASSWORD)])
def test_bad_credentials_are_401_and_audited_without_an_actor(app, tenant, email, password):
    _user(app, tenant.partner_id, email="agent@acme.example")
    response = _sign_in(app.test_client(), email, password=password)
    assert response.status_code == 401 and response.json["code"] == "invalid_token"
    assert response.json["detail"] == "Email or password is incorrect."
    assert _count(app, MobileToken) == 0
    row = _audit(app, response)
    assert row.surface == "mobile" and row.status == 401 and row.actor is None


def test_operators_cannot_use_the_mobile_app(app):
    with app.app_context():
        make_user("operator", None, email="ops@switchboard.example")
    response = _sign_in(app.test_client(), "ops@switchboard.example")
    assert response.status_code == 403 and response.json["code"] == "forbidden"


def test_sign_in_validates_its_body(app, tenant):
    response = app.test_client().post("/api/mobile/auth/token",
                                      json={"email": "a@b.c", "environment": "prod"})
    assert response.status_code == 422
    assert {e["param"] for e in response.json["errors"]} == {"password", "environment"}


def test_sign_in_attempts_are_rate_limited_per_ip_before_the_password_check(app, tenant,
                                                                           monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_RATE_LIMIT", 3)
    _user(app, tenant.partner_id, email="agent@acme.example")
    client = app.test_client()
    for _ in range(3):
        assert _sign_in(client, "agent@acme.example", password="guess").status_code == 401
    limited = _sign_in(client, "agent@acme.example")
    assert limited.status_code == 429 and limited.json["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert _count(app, MobileToken) == 0


# --- access tokens ------------------------------------------------------------------------


def test_a_missing_token_is_401_with_www_authenticate(client):
    response = client.get("/api/mobile/conversations")
    assert response.status_code == 401 and response.json["code"] == "invalid_token"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("token", ["mat_short", "ak_live_" + "x" * 36,
                                   mobile_tokens.generate("mat_")])
def test_malformed_foreign_and_unknown_tokens_are_401_invalid_token(app, client, token):
    response = client.get("/api/mobile/conversations",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401 and response.json["code"] == "invalid_token"


def test_a_refresh_token_is_not_an_access_token(app, agent):
    response = agent.client.get("/api/mobile/conversations", headers={
        "Authorization": f"Bearer {agent.tokens['refresh_token']}"})
    assert response.status_code == 401 and response.json["code"] == "invalid_token"


def test_an_expired_access_token_is_401_invalid_token(app, agent):
    assert agent.get("/conversations").status_code == 200
    with app.app_context():
        db.session.execute(update(MobileToken).values(
            access_expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = agent.get("/conversations")
    assert response.status_code == 401 and response.json["code"] == "invalid_token"
    assert "expired" in response.json["detail"]


def test_a_disabled_user_is_signed_out_everywhere(app, agent):
    with app.app_context():
        db.session.execute(update(User).values(disabled_at=utcnow()))
        db.session.commit()
    assert agent.get("/conversations").status_code == 401


# --- refresh and revoke ----------------------------------------------------------------------


def _refresh(client, refresh_token):
    return client.post("/api/mobile/auth/refresh", json={"refresh_token": refresh_token})


def test_refresh_rotates_the_pair_and_the_old_pair_stops_working(app, agent):
    old = agent.tokens
    response = _refresh(agent.client, old["refresh_token"])
    assert response.status_code == 200
    new = response.json
    TokenOut.model_validate(new)
    assert new["access_token"] != old["access_token"]
    assert new["refresh_token"] != old["refresh_token"]
    assert agent.get("/conversations").status_code == 401
    agent.tokens = new
    assert agent.get("/conversations").status_code == 200
    with app.app_context():
        rows = db.session.scalars(select(MobileToken).order_by(MobileToken.id)).all()
        assert len(rows) == 2 and rows[0].family_id == rows[1].family_id
        assert rows[0].consumed_at is not None and rows[1].consumed_at is None


def test_reusing_a_consumed_refresh_token_revokes_the_whole_family(app, agent):
    stolen = agent.tokens["refresh_token"]
    rotated = _refresh(agent.client, stolen).json
    reuse = _refresh(agent.client, stolen)
    assert reuse.status_code == 401 and reuse.json["code"] == "invalid_token"
    assert "already used" in reuse.json["detail"]
    # The legitimate holder of the newest pair is signed out too.
    agent.tokens = rotated
    assert agent.get("/conversations").status_code == 401
    assert _refresh(agent.client, rotated["refresh_token"]).status_code == 401
    assert _count(app, MobileToken, MobileToken.revoked_at.is_(None)) == 0


def test_an_expired_refresh_token_is_401(app, agent):
    with app.app_context():
        db.session.execute(update(MobileToken).values(
            refresh_expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    response = _refresh(agent.client, agent.tokens["refresh_token"])
    assert response.status_code == 401 and "expired" in response.json["detail"]


def test_revoke_signs_out_that_sign_in_only(app, tenant, agent):
    other_device = Mobile(app.test_client(), _sign_in(app.test_client(),
                                                      "agent@acme.example").json)
    response = agent.client.post("/api/mobile/auth/revoke",
                                 json={"token": agent.tokens["access_token"]})
    assert response.status_code == 204 and response.get_data() == b""
    revoked = agent.get("/conversations")
    assert revoked.status_code == 401 and "revoked" in revoked.json["detail"]
    assert _refresh(agent.client, agent.tokens["refresh_token"]).status_code == 401
    assert other_device.get("/conversations").status_code == 200
    row = _audit(app, response)
    assert row.actor == agent.user_id and row.partner_id == tenant.partner_id


def test_revoking_an_unknown_token_answers_204_all_the_same(client):
    response = client.post("/api/mobile/auth/revoke",
                           json={"token": mobile_tokens.generate("mrt_")})
    assert response.status_code == 204


def test_refreshing_never_carries_a_sign_in_past_its_absolute_lifetime(app, agent):
    """The review's case: rotation slid a stolen family forever. Now a sign-in ends."""
    with app.app_context():
        record = db.session.scalars(select(MobileToken)).one()
        assert record.session_expires_at - record.created_at == timedelta(days=90)
        # As if this sign-in happened 90 days less 10 minutes ago.
        db.session.execute(update(MobileToken).values(
            session_expires_at=utcnow() + timedelta(minutes=10)))
        db.session.commit()
    rotated = _refresh(agent.client, agent.tokens["refresh_token"])
    assert rotated.status_code == 200, rotated.json
    assert rotated.json["refresh_expires_in"] <= 600
    assert rotated.json["expires_in"] <= 600
    with app.app_context():
        db.session.execute(update(MobileToken).values(
            session_expires_at=utcnow() - timedelta(seconds=1)))
        db.session.commit()
    again = _refresh(agent.client, rotated.json["refresh_token"])
    assert again.status_code == 401 and again.json["code"] == "invalid_token"
    assert "sign in again" in again.json["detail"]
