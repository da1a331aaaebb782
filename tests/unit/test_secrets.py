"""Secrets at rest: production needs a dedicated strong key, and `secrets rotate` lets an
old key be retired without losing anything sealed under it."""

from __future__ import annotations

import pytest

from app import config, create_app
from app.extensions import db
from app.models import Gateway, WebhookEndpoint
from app.services import idempotency, secretbox, tx
from app.services.messaging import gateways
from app.services.webhooks import endpoints as webhooks
from tests.factories import make_partner
from tests.helpers import set_config

STRONG = "Q2x1c3RlcjRfZ2F0ZXdheV9rZXlfZm9yX3Rlc3RzXzc5"


@pytest.fixture
def production_env(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s3cr3t-" + "x" * 40)
    monkeypatch.setenv("KEY_PEPPER", "p3pp3r-" + "y" * 40)
    return monkeypatch


@pytest.mark.parametrize(("key", "why"), [
    (None, "is not set"),
    ("", "is not set"),
    ("s3cr3t-" + "x" * 40, "not SECRET_KEY"),
    ("p3pp3r-" + "y" * 40, "not SECRET_KEY or KEY_PEPPER"),
    ("correct horse", "too weak"),
    ("k" * 64, "too weak"),
    ("ab" * 40, "too weak"),
])
def test_production_refuses_a_missing_shared_or_weak_credentials_key(production_env, key, why):
    if key is None:
        production_env.delenv("GATEWAY_CREDENTIALS_KEY", raising=False)
    else:
        production_env.setenv("GATEWAY_CREDENTIALS_KEY", key)
    with pytest.raises(RuntimeError, match=why):
        create_app({"ENV_NAME": "production"})


def test_production_starts_with_a_generated_key_in_front_of_an_old_one(production_env, app):
    with app.app_context():
        fresh = secretbox.generate_key()
    production_env.setenv("GATEWAY_CREDENTIALS_KEY", f"{fresh}, s3cr3t-{'x' * 40}")
    production = create_app({"ENV_NAME": "production"})
    assert production.config["GATEWAY_CREDENTIALS_KEY"][0] == fresh
    assert config.credentials_key_problem({"GATEWAY_CREDENTIALS_KEY": STRONG}) is None


def test_rotate_re_encrypts_everything_so_the_old_key_can_go(app, cli, monkeypatch):
    set_config(monkeypatch, app, "GATEWAY_CREDENTIALS_KEY", "the-old-key")
    with app.app_context():
        partner = make_partner().partner
        gateway_id = gateways.add_gateway(
            "sms", "twilio", "Twilio", partner_id=partner.id,
            credentials={"account_sid": "AC1", "auth_token": "tw-secret"}).id
        created = webhooks.create(partner.id, "live", "https://93.184.215.14/hook")
        rolled = webhooks.rotate_secret(partner.id, "live", created.endpoint.id, 1)
        idempotency.store(partner.id, "live", "key-1", "f" * 64, 201, {}, b'{"shown": "once"}')
        tx.commit()
        endpoint_id, partner_id = created.endpoint.id, partner.id
    set_config(monkeypatch, app, "GATEWAY_CREDENTIALS_KEY", f"{STRONG},the-old-key")
    result = cli.invoke(args=["secrets", "rotate"])
    assert result.exit_code == 0, result.output
    assert "gateway credentials: 1 re-encrypted" in result.output
    assert "webhook secrets: 2 re-encrypted" in result.output
    assert "idempotent responses: 1 re-encrypted" in result.output
    set_config(monkeypatch, app, "GATEWAY_CREDENTIALS_KEY", STRONG)  # the old key is retired
    with app.app_context():
        credentials = gateways.decrypt_credentials(db.session.get(Gateway, gateway_id))
        assert credentials["auth_token"] == "tw-secret"
        signing = webhooks.signing_secrets(db.session.get(WebhookEndpoint, endpoint_id))
        assert signing == [rolled.secret, created.secret]
        assert idempotency.find(partner_id, "live", "key-1").body == b'{"shown": "once"}'


def test_rotate_reports_values_no_key_decrypts_and_fails(app, cli, monkeypatch):
    set_config(monkeypatch, app, "GATEWAY_CREDENTIALS_KEY", "a-key-that-will-be-lost")
    with app.app_context():
        partner = make_partner().partner
        gateway_id = gateways.add_gateway("sms", "twilio", "Twilio", partner_id=partner.id,
                                          credentials={"auth_token": "t"}).id
    set_config(monkeypatch, app, "GATEWAY_CREDENTIALS_KEY", STRONG)
    result = cli.invoke(args=["secrets", "rotate"])
    assert result.exit_code != 0
    assert f"{gateway_id}.credentials_encrypted" in result.output


def test_generate_key_prints_a_key_production_accepts(cli):
    result = cli.invoke(args=["secrets", "generate-key"])
    assert result.exit_code == 0
    key = result.output.strip()
    assert config.credentials_key_problem({"GATEWAY_CREDENTIALS_KEY": key}) is None
