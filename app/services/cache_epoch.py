"""Per-process caches of what every request reads and rarely changes, kept honest by epochs.

A web process caches what an access key resolves to (app.api.authn.keys), the
operators' prices (app.services.billing.prices) and the templates sends name
(app.services.messaging.templates). Each cache belongs to a group watching some
tables (`GROUPS`). Any committed change to one of those tables, through the ORM or an
`update()`/`delete()` run on the session, sets a new epoch for its group in Redis once the
transaction has committed; an entry is trusted only while its group's epoch is the one it
was filled under. So a revoked key, a suspended partner or a new price takes effect from
the next request on, in every process. Setting the epoch after the commit matters: set
before, a request could fill its cache from the old rows under the new epoch.

An epoch is a random value, not a counter, so a flushed or restarted Redis never brings an
old one back. The process that made the change also forgets its own entries at once (a local
generation), whether Redis answers or not. Without Redis nothing is cached (each request
reads the database); should Redis be unreachable at the very moment of a change, other
processes' entries still expire after CACHE_SECONDS at most.

A request reads the epochs once: the pipeline fetches them in the round trip of its per-IP
limits (`prefetch`); elsewhere (a worker) `current` asks Redis each time.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import redis
from flask import Flask, current_app, g, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from app.extensions import db, redis_connection

# group -> the tables whose changes invalidate it
GROUPS = {"auth": frozenset({"access_keys", "partners"}),
          "prices": frozenset({"price_overrides"}),
          "templates": frozenset({"templates"})}
PREFIX = "cache:epoch:"
SIZE = 10_000
_FLAG = "cache_groups_changed"
_generations = dict.fromkeys(GROUPS, 0)


def redis_keys() -> dict[str, str]:
    """group -> the Redis key of its epoch."""
    return {group: PREFIX + group for group in GROUPS}


def prefetch(values: dict[str, str | None]) -> None:
    """Remember this request's epochs, read by the pipeline (None: Redis is down)."""
    g.cache_epochs = values


def current(group: str) -> str | None:
    """The group's epoch (once per request), or None when Redis cannot be reached."""
    known = g.get("cache_epochs") if has_request_context() else None
    if known is not None and group in known:
        return known[group]
    try:
        value = redis_connection.client.get(PREFIX + group)
        if value is None:
            value = uuid.uuid4().hex.encode()
            if not redis_connection.client.set(PREFIX + group, value, nx=True):
                value = redis_connection.client.get(PREFIX + group) or value
        value = value.decode()
    except redis.RedisError:
        value = None
    if has_request_context():
        g.cache_epochs = {**(known or {}), group: value}
    return value


def bump(groups: set[str]) -> None:
    """Invalidate every process's entries of these groups (after a committed change)."""
    for group in groups:
        _generations[group] += 1
    try:
        with redis_connection.client.pipeline(transaction=False) as pipe:
            for group in groups:
                pipe.set(PREFIX + group, uuid.uuid4().hex)
            pipe.execute()
    except redis.RedisError:
        current_app.logger.warning("cache epochs %s not bumped: Redis unavailable; other "
                                   "processes' entries expire within CACHE_SECONDS",
                                   sorted(groups))


@dataclass
class _Entry:
    epoch: str
    generation: int
    filled: float  # time.monotonic()
    value: object


class Cache:
    """One group's per-process cache (per application), validated by the group's epoch."""

    def __init__(self, group: str):
        self.group = group

    def _entries(self) -> dict:
        entries = current_app.extensions.setdefault(f"cache:{self.group}", {})
        if len(entries) > SIZE:  # never grow without bound
            entries.clear()
        return entries

    def get(self, key):
        """The cached value, or None when absent or no longer trustworthy."""
        entry = self._entries().get(key)
        if entry is None:
            return None
        if (entry.epoch != current(self.group)
                or entry.generation != _generations[self.group]
                or time.monotonic() - entry.filled > _max_age()):
            self._entries().pop(key, None)
            return None
        return entry.value

    def filler(self) -> tuple[str | None, int]:
        """Read before the database: the epoch and generation a value read now belongs to."""
        return current(self.group), _generations[self.group]

    def put(self, key, value, filled_under: tuple[str | None, int]) -> None:
        """Keep a value read from the database after `filler()` was called."""
        epoch, generation = filled_under
        if epoch is not None and _max_age() > 0:
            self._entries()[key] = _Entry(epoch, generation, time.monotonic(), value)


def _max_age() -> float:
    return float(current_app.config["CACHE_SECONDS"])


def init_app(app: Flask) -> None:
    """Watch the session for changes to the watched tables (once per process)."""
    if not event.contains(db.session, "after_flush", _after_flush):
        event.listen(db.session, "after_flush", _after_flush)
        event.listen(db.session, "do_orm_execute", _on_execute)
        event.listen(db.session, "after_commit", _after_commit)
        event.listen(db.session, "after_rollback", _after_rollback)


def _note(session: Session, table: str | None) -> None:
    for group, tables in GROUPS.items():
        if table in tables:
            session.info.setdefault(_FLAG, set()).add(group)


def _after_flush(session: Session, _context) -> None:
    for row in (*session.dirty, *session.deleted, *session.new):
        _note(session, getattr(row, "__tablename__", None))


def _on_execute(state: ORMExecuteState) -> None:
    if state.is_update or state.is_delete or state.is_insert:
        _note(state.session, getattr(getattr(state.statement, "table", None), "name", None))


def _after_commit(session: Session) -> None:
    groups = session.info.pop(_FLAG, None)
    if groups:
        bump(groups)


def _after_rollback(session: Session) -> None:
    session.info.pop(_FLAG, None)
