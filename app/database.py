"""Database engine behaviour shared by every process: SQLite made safe for concurrent writers."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from flask import Flask
from sqlalchemy import event
from sqlalchemy.engine import Engine

from app.extensions import db

# SQLite only: whether transactions begun now may start DEFERRED (pure reads) instead of
# IMMEDIATE. Reads then run beside a writer (WAL) instead of queueing behind it.
_deferred = ContextVar("sqlite_deferred_transactions", default=False)


@contextmanager
def reads_only() -> Iterator[None]:
    """Begin transactions in this block as readers (no effect on PostgreSQL)."""
    token = _deferred.set(True)
    try:
        yield
    finally:
        _deferred.reset(token)


@contextmanager
def writes() -> Iterator[None]:
    """Begin transactions in this block as writers again (inside a `reads_only` block)."""
    token = _deferred.set(False)
    try:
        yield
    finally:
        _deferred.reset(token)


def sqlalchemy_url(url: str) -> str:
    """Normalise a DATABASE_URL for SQLAlchemy: PostgreSQL goes through psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url.removeprefix("postgres://")
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return url


def engine_options(uri: str, config) -> dict:
    """Engine options that bound every wait on the database, so an outage answers 503 soon.

    PostgreSQL: `connect_timeout` for a server that does not answer, `pool_timeout` for a
    pool that has no connection to give, and a ping at checkout so connections broken by a
    restart are replaced (the app recovers by itself). SQLite: the lock wait (`timeout`).
    """
    if uri.startswith("sqlite"):
        # Thread-safe use of one file from the web's threads; busy waits instead of failing.
        return {"connect_args": {"timeout": config["DATABASE_BUSY_TIMEOUT_SECONDS"],
                                 "check_same_thread": False}}
    options: dict = {"pool_pre_ping": True,
                     "pool_timeout": config["DATABASE_POOL_TIMEOUT_SECONDS"]}
    if "connect_timeout=" not in uri:  # one given in DATABASE_URL wins
        options["connect_args"] = {
            "connect_timeout": max(1, round(config["DATABASE_CONNECT_TIMEOUT_SECONDS"]))}
    return options


def register_sqlite_pragmas(app: Flask) -> None:
    """On SQLite: WAL, foreign keys, and BEGIN IMMEDIATE so writers queue, never deadlock."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return
    _configure_sqlite(engine, int(app.config["DATABASE_BUSY_TIMEOUT_SECONDS"] * 1000))


def _configure_sqlite(engine: Engine, busy_ms: int) -> None:
    if getattr(engine, "_switchboard_sqlite", False):
        return
    engine._switchboard_sqlite = True

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={busy_ms:d}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A deferred transaction that later writes can fail with SQLITE_BUSY without waiting;
        # IMMEDIATE takes the write lock up front and waits on busy_timeout instead.
        conn.exec_driver_sql("BEGIN" if _deferred.get() else "BEGIN IMMEDIATE")
