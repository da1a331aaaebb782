"""Extension objects, created unbound here and bound to an app in create_app()."""

from __future__ import annotations

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
    """Redis for queues and rate limits; the embedded redis-server when REDIS_URL is empty."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: dict[str, redis.Redis] = {}
        self._embedded: dict[str, str] = {}

    def init_app(self, app: Flask) -> None:
        app.extensions["redis_connection"] = self

    def url(self, app: Flask | None = None) -> str:
        """Return the Redis URL, starting the embedded server on first use."""
        app = app or current_app._get_current_object()
        if app.config["REDIS_URL"]:
            return app.config["REDIS_URL"]
        with self._lock:
            if app.instance_path not in self._embedded:
                from app import embedded_redis  # its lifetime: see that module

                self._embedded[app.instance_path] = embedded_redis.attach(app.instance_path)
            return self._embedded[app.instance_path]

    @property
    def client(self) -> redis.Redis:
        """The process's Redis client for the current app."""
        url = self.url()
        client = self._clients.get(url)
        if client is None:
            client = self._clients.setdefault(url, redis.Redis.from_url(url))
        return client

    def reset(self) -> None:
        """Forget pooled connections (after fork, or in tests)."""
        for client in self._clients.values():
            client.connection_pool.reset()


redis_connection = RedisConnection()
