"""Configuration: environment overrides and the production secret guard."""

from __future__ import annotations

import ipaddress

import pytest

from app import config, create_app


def test_production_refuses_the_default_secrets(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("KEY_PEPPER", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY, KEY_PEPPER"):
        create_app({"ENV_NAME": "production"})


def test_production_starts_with_real_secrets(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("KEY_PEPPER", "p" * 40)
    monkeypatch.setenv("GATEWAY_CREDENTIALS_KEY", "uZ3o0bX9yQ1kV7cN2rT8wE4aL6mP5sD0fG3hJ9iK2q")
    app = create_app({"ENV_NAME": "production"})
    assert app.config["SECRET_KEY"] == "s" * 40


def test_environment_variables_override_defaults():
    settings = config.Config.from_environ({"REDIS_URL": "redis://h:1/2", "RQ_IS_ASYNC": "false",
                                           "RQ_QUEUES": "send, default"})
    assert settings["REDIS_URL"] == "redis://h:1/2"
    assert settings["RQ_IS_ASYNC"] is False
    assert settings["RQ_QUEUES"] == ("send", "default")


def test_postgres_urls_use_psycopg3(monkeypatch):
    app = create_app({"ENV_NAME": "testing", "DATABASE_URL": "postgres://u@127.0.0.1/db"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@127.0.0.1/db"


def test_list_settings_are_parsed_once_into_typed_values():
    settings = config.Config.from_environ({
        "SEND_RETRY_DELAYS": "1, 2.5,", "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8, ::1",
        "GATEWAY_CREDENTIALS_KEY": " new , old "})
    assert settings["SEND_RETRY_DELAYS"] == (1.0, 2.5)
    assert settings["WEBHOOK_ALLOWED_NETWORKS"] == (ipaddress.ip_network("127.0.0.0/8"),
                                                    ipaddress.ip_network("::1/128"))
    assert settings["GATEWAY_CREDENTIALS_KEY"] == ("new", "old")
    assert settings["WEBHOOK_RETRY_DELAYS"][:3] == (0.0, 5.0, 300.0)  # typed defaults


def test_list_settings_given_to_the_factory_are_parsed_too():
    app = create_app({"ENV_NAME": "testing", "AGENT_PUSH_RETRY_DELAYS": "0,0",
                      "WEBHOOK_ALLOWED_NETWORKS": "10.9.0.0/16"})
    assert app.config["AGENT_PUSH_RETRY_DELAYS"] == (0.0, 0.0)
    assert app.config["WEBHOOK_ALLOWED_NETWORKS"] == (ipaddress.ip_network("10.9.0.0/16"),)
    with pytest.raises(ValueError):
        config.parse("SEND_RETRY_DELAYS", "ten")
