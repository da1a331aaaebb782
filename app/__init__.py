"""Switchboard: a multi-tenant omnichannel messaging platform."""

from __future__ import annotations

import os

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from app import config as config_module
from app.database import engine_options, sqlalchemy_url
from app.extensions import csrf, db, htmx, login_manager, migrate, redis_connection


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask application: configuration, extensions, blueprints."""
    app = Flask(__name__, instance_path=os.environ.get("INSTANCE_PATH") or None)
    env_name = (config or {}).get("ENV_NAME") or os.environ.get("SWITCHBOARD_ENV", "production")
    settings = config_module.CONFIGS[env_name].from_environ()
    settings.update(config or {})
    config_module.parse_all(settings)
    config_module.validate(settings)
    app.config.update(settings)
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_uri(app)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config["SQLALCHEMY_DATABASE_URI"],
                                                             app.config)
    app.json.sort_keys = False  # objects keep their documented field order
    if app.config["PROXY_COUNT"]:
        # Only behind known proxies may X-Forwarded-For name the client (rate limits, audit).
        proxies = int(app.config["PROXY_COUNT"])
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(app.root_path, "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    redis_connection.init_app(app)

    from app import admin, api, cli, errors, health, hooks, models  # noqa: F401 - models: the schema
    from app.database import register_sqlite_pragmas

    register_sqlite_pragmas(app)
    errors.init_app(app)
    cli.init_app(app)
    api.init_app(app)
    hooks.init_app(app)
    admin.init_app(app)
    app.register_blueprint(health.bp)
    return app


def _database_uri(app: Flask) -> str:
    url = app.config["DATABASE_URL"]
    if not url:
        os.makedirs(app.instance_path, exist_ok=True)
        return "sqlite:///" + os.path.join(app.instance_path, "switchboard.db")
    return sqlalchemy_url(url)

