"""Configuration: environment overrides and the production secret guard."""

from __future__ import annotations

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
