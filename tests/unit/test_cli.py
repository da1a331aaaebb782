"""Operator commands through Flask's CLI runner, against the real database."""

from __future__ import annotations

import json

from sqlalchemy import select

from app.extensions import db
from app.models import AccessKey, Partner, User, Wallet
from app.services import keys


def test_partner_create_prints_json_with_both_keys_once(app, cli):
    result = cli.invoke(args=["partner", "create", "--name", "Acme", "--balance", "12.34",
                              "--sandbox-balance", "100", "--json"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert set(out) == {"partner_id", "live_key", "test_key"}
    assert out["live_key"].startswith("ak_live_") and out["test_key"].startswith("ak_test_")
    with app.app_context():
        assert keys.authenticate(out["live_key"]).environment == "live"
        assert keys.authenticate(out["test_key"]).environment == "sandbox"
        balances = {w.environment: w.balance_micros for w in db.session.scalars(
            select(Wallet).where(Wallet.partner_id == out["partner_id"]))}
        assert balances == {"live": 12_340_000, "sandbox": 100_000_000}


def test_partner_create_rejects_a_bad_amount(cli):
    result = cli.invoke(args=["partner", "create", "--name", "Acme", "--balance", "ten"])
    assert result.exit_code != 0
    assert "not a decimal amount" in result.output


def test_key_create_and_revoke(app, cli):
    partner = json.loads(cli.invoke(args=["partner", "create", "--name", "A", "--json"]).output)
    created = cli.invoke(args=["key", "create", "--partner", partner["partner_id"],
                               "--environment", "sandbox", "--json"])
    assert created.exit_code == 0, created.output
    issued = json.loads(created.output)
    assert issued["key"].startswith("ak_test_")
    revoked = cli.invoke(args=["key", "revoke", issued["id"]])
    assert revoked.exit_code == 0, revoked.output
    with app.app_context():
        assert db.session.get(AccessKey, issued["id"]).revoked_at is not None
    assert cli.invoke(args=["key", "revoke", "key_01HNQX2P8Y9R3T4V5W6Z7A8B9C"]).exit_code != 0


def test_key_create_for_an_unknown_partner_fails(cli):
    result = cli.invoke(args=["key", "create", "--partner", "ptr_01HNQX2P8Y9R3T4V5W6Z7A8B9C",
                              "--environment", "live"])
    assert result.exit_code != 0 and "no partner" in result.output


def test_user_create_hashes_the_password(app, cli):
    partner = json.loads(cli.invoke(args=["partner", "create", "--name", "A", "--json"]).output)
    result = cli.invoke(args=["user", "create", "--email", "Agent@Example.com", "--password",
                              "s3cret-pass", "--role", "agent", "--partner",
                              partner["partner_id"]])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "agent@example.com"))
        assert user.role == "agent" and user.password_hash.startswith("$argon2id$")
        assert "s3cret-pass" not in user.password_hash


def test_user_create_enforces_role_rules(cli):
    no_partner = cli.invoke(args=["user", "create", "--email", "a@example.com", "--password",
                                  "long-enough", "--role", "agent"])
    assert no_partner.exit_code != 0 and "needs an existing --partner" in no_partner.output
    ok = cli.invoke(args=["user", "create", "--email", "op@example.com", "--password",
                          "long-enough", "--role", "operator"])
    assert ok.exit_code == 0
    again = cli.invoke(args=["user", "create", "--email", "op@example.com", "--password",
                             "long-enough", "--role", "operator"])
    assert again.exit_code != 0 and "exists" in again.output


def test_demo_seed_is_idempotent_and_prints_working_logins(app, cli):
    first = cli.invoke(args=["demo", "seed"])
    second = cli.invoke(args=["demo", "seed"])
    assert first.exit_code == 0 and second.exit_code == 0, first.output + second.output
    key_line = [line for line in first.output.splitlines() if "sandbox key" in line][0]
    key = key_line.split()[-1]
    assert key in second.output  # same key printed again, nothing re-issued
    with app.app_context():
        assert db.session.query(Partner).count() == 1
        assert db.session.query(User).count() == 3
        assert keys.authenticate(key).environment == "sandbox"
    client = app.test_client()
    login = client.get("/admin/login")
    token = login.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1]
    token = token.split('"')[0]
    signed_in = client.post("/admin/login", data={"csrf_token": token, "email":
                            "agent@demo.switchboard.example", "password": "switchboard-demo"})
    assert signed_in.status_code == 302
    assert "agent@demo.switchboard.example" in client.get("/admin/").get_data(as_text=True)
