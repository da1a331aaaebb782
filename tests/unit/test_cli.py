"""Operator commands through Flask's CLI runner, against the real database."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AccessKey, Partner, Template, User, Wallet
from app.services.tenancy import demo, keys


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
        assert db.session.query(User).count() == 4  # an operator, an admin, two agents
        assert keys.authenticate(key).environment == "sandbox"
        from sqlalchemy import select

        from app.models import CannedReply, Conversation

        for environment in ("live", "sandbox"):  # an inbox to work on, in both environments
            seeded = db.session.scalars(select(Conversation).where(
                Conversation.environment == environment)).all()
            assert len({c.channel for c in seeded}) >= 6
            assert len({c.assignee_id for c in seeded} - {None}) == 2
            assert db.session.scalars(select(CannedReply).where(
                CannedReply.environment == environment)).all()
    client = app.test_client()
    login = client.get("/admin/login")
    token = login.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1]
    token = token.split('"')[0]
    signed_in = client.post("/admin/login", data={"csrf_token": token, "email":
                            "agent@demo.switchboard.example", "password": "switchboard-demo"})
    assert signed_in.status_code == 302
    assert "agent@demo.switchboard.example" in client.get(
            "/admin/", follow_redirects=True).get_data(as_text=True)


def test_gateway_add_stores_credentials_encrypted_and_never_prints_them(app, cli):
    from app.models import Gateway
    from app.services.messaging import gateways

    partner = json.loads(cli.invoke(args=["partner", "create", "--name", "A", "--json"]).output)
    result = cli.invoke(args=["gateway", "add", "--channel", "sms", "--provider", "twilio",
                              "--name", "Twilio US", "--partner", partner["partner_id"],
                              "--credential", "account_sid=ACsecret-sid",
                              "--credential", "auth_token=super-secret-token",
                              "--setting", "from=+15550001111"])
    assert result.exit_code == 0, result.output
    gateway_id = result.output.split()[0]
    assert "super-secret-token" not in result.output
    assert f"/hooks/{gateway_id}" in result.output
    listed = cli.invoke(args=["gateway", "list"])
    assert gateway_id in listed.output and "super-secret-token" not in listed.output
    with app.app_context():
        gateway = db.session.get(Gateway, gateway_id)
        assert "super-secret-token" not in (gateway.credentials_encrypted or "")
        assert gateways.decrypt_credentials(gateway)["auth_token"] == "super-secret-token"
        assert gateway.settings == {"from": "+15550001111"}
        assert gateways.gateway_for(partner["partner_id"], "live", "sms").id == gateway_id
    assert cli.invoke(args=["gateway", "disable", gateway_id]).exit_code == 0
    with app.app_context():
        assert gateways.gateway_for(partner["partner_id"], "live", "sms") is None
    assert cli.invoke(args=["gateway", "enable", gateway_id]).exit_code == 0


def test_gateway_credentials_may_reference_the_environment(app, cli, monkeypatch):
    from app.models import Gateway
    from app.services.messaging import gateways

    monkeypatch.setenv("TWILIO_TOKEN", "from-the-environment")
    result = cli.invoke(args=["gateway", "add", "--channel", "sms", "--provider", "twilio",
                              "--name", "Shared", "--credential", "auth_token=env:TWILIO_TOKEN"])
    assert result.exit_code == 0, result.output
    gateway_id = result.output.split()[0]
    with app.app_context():
        gateway = db.session.get(Gateway, gateway_id)
        assert gateways.decrypt_credentials(gateway) == {"auth_token": "from-the-environment"}
        monkeypatch.delenv("TWILIO_TOKEN")
        with pytest.raises(gateways.CredentialsError, match="TWILIO_TOKEN"):
            gateways.decrypt_credentials(gateway)


def test_gateway_add_and_enable_refuse_a_missing_or_empty_callback_secret(app, cli, monkeypatch):
    """An empty Twilio auth token would verify forged callbacks: no such gateway goes live."""
    from app.models import Gateway

    base = ["gateway", "add", "--channel", "sms", "--provider", "twilio", "--name", "x"]
    for extra in ([], ["--credential", "auth_token="], ["--credential", "auth_token=env:TW_T"]):
        refused = cli.invoke(args=base + ["--credential", "account_sid=AC1", *extra])
        assert refused.exit_code != 0 and "auth_token" in refused.output
    monkeypatch.setenv("TW_T", "")  # set but empty is as bad as unset
    assert cli.invoke(args=base + ["--credential", "auth_token=env:TW_T"]).exit_code != 0
    with app.app_context():
        assert db.session.query(Gateway).count() == 0
    monkeypatch.setenv("TW_T", "a-real-token")
    added = cli.invoke(args=base + ["--credential", "auth_token=env:TW_T"])
    assert added.exit_code == 0, added.output
    gateway_id = added.output.split()[0]
    assert cli.invoke(args=["gateway", "disable", gateway_id]).exit_code == 0
    monkeypatch.setenv("TW_T", "")
    enabled = cli.invoke(args=["gateway", "enable", gateway_id])
    assert enabled.exit_code != 0 and "auth_token" in enabled.output
    with app.app_context():
        assert db.session.get(Gateway, gateway_id).status == "disabled"


def test_gateway_add_refuses_unknown_providers_and_the_sandbox(cli):
    unknown = cli.invoke(args=["gateway", "add", "--channel", "sms", "--provider", "acme",
                               "--name", "x"])
    assert unknown.exit_code != 0 and "no adapter for provider 'acme'" in unknown.output
    sandbox = cli.invoke(args=["gateway", "add", "--channel", "sms", "--provider", "sandbox",
                               "--name", "x"])
    assert sandbox.exit_code != 0 and "sandbox" in sandbox.output.lower()



def test_partner_rate_limits_are_set_per_environment_and_enforced(app, cli):
    partner = json.loads(cli.invoke(args=["partner", "create", "--name", "A", "--json"]).output)
    result = cli.invoke(args=["partner", "rate-limit", partner["partner_id"], "--live", "2"])
    assert result.exit_code == 0, result.output
    assert "live 2/min" in result.output and "sandbox default (300)" in result.output
    client = app.test_client()
    headers = {"Authorization": f"Bearer {partner['live_key']}"}
    statuses = [client.get("/api/v1/balance", headers=headers).status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    sandbox = {"Authorization": f"Bearer {partner['test_key']}"}
    assert client.get("/api/v1/balance", headers=sandbox).headers["RateLimit-Policy"] == "300;w=60"
    reset = cli.invoke(args=["partner", "rate-limit", partner["partner_id"], "--reset"])
    assert "live default (600)" in reset.output
    missing = cli.invoke(args=["partner", "rate-limit", "ptr_01HNQX2P8Y9R3T4V5W6Z7A8B9C",
                               "--live", "5"])
    assert missing.exit_code != 0 and "no partner" in missing.output


def _first_send(output: str) -> tuple[str, dict, dict]:
    """The printed curl's URL, headers and JSON body, as a shell would pass them."""
    command = output[output.index("curl "):].replace("\\\n", " ")
    words = shlex.split(command)
    headers = dict(words[i + 1].split(": ", 1) for i, w in enumerate(words) if w == "-H")
    return words[1], headers, json.loads(words[words.index("-d") + 1])


def test_demo_seed_prints_a_first_send_that_works_on_the_demo(app, cli, monkeypatch):
    monkeypatch.setitem(app.config, "APP_PUBLIC_URL", "http://127.0.0.1:5999")
    result = cli.invoke(args=["demo", "seed"])
    assert result.exit_code == 0, result.output
    assert "inbox http://127.0.0.1:5999/admin/" in result.output
    url, headers, body = _first_send(result.output)
    assert url == "http://127.0.0.1:5999/api/v1/messages"
    assert headers["Authorization"].startswith("Bearer ak_test_")
    with app.app_context():
        seeded = {(t.environment, t.name, t.language, t.channel, t.body)
                  for t in db.session.scalars(select(Template))}
    template = demo.ORDER_TEMPLATE
    assert seeded == {(env, template["name"], template["language"], template["channel"],
                       template["body"]) for env in ("live", "sandbox")}
    sent = app.test_client().post("/api/v1/messages", json=body, headers=headers)
    assert sent.status_code == 202, sent.get_json()
    assert sent.get_json()["template"] == "order_confirmation"


def test_the_demo_first_send_is_the_docs_first_send():
    """docs/sending.md registers and sends exactly what the demo seeds and prints."""
    page = (Path(__file__).resolve().parents[2] / "docs" / "sending.md").read_text()
    samples = re.findall(r"^```sh\n(curl .*?)^```", page, re.M | re.S)
    registered, sent = (_first_send(sample)[2] for sample in samples[:2])
    assert registered == demo.ORDER_TEMPLATE
    assert sent == demo.FIRST_SEND


@pytest.mark.parametrize("env_name", ["production", "staging"])
def test_demo_seed_refuses_outside_development(app, cli, env_name, monkeypatch):
    """The demo operator's password is published: production must never get that login."""
    monkeypatch.setitem(app.config, "ENV_NAME", env_name)
    refused = cli.invoke(args=["demo", "seed"])
    assert refused.exit_code != 0 and "development only" in refused.output
    with app.app_context():
        assert db.session.query(Partner).count() == 0
        assert db.session.query(User).count() == 0
