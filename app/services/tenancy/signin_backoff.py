"""Per-account backoff on sign-in (admin UI and the agents' app).

After SIGNIN_FREE_FAILURES failed attempts on one email address, each next attempt must
wait 1 s, then 2 s, 4 s, ... up to SIGNIN_MAX_BACKOFF_SECONDS after the last failure; the
wait is checked before the password hash is computed, so guessing costs the guesser time
and us no memory. A success clears the count; failures are forgotten a day after the last.
Unknown addresses count like known ones (no hint which exist). Counts live in Redis, or in
this process's memory while Redis is unreachable: the limit never fails open.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import threading
import time

import redis
from flask import current_app

from app.extensions import redis_connection

FORGET_AFTER_SECONDS = 24 * 3600
_memory: dict[str, tuple[int, float]] = {}
_memory_lock = threading.Lock()


class Throttled(Exception):
    """Too many failed sign-ins on this account: try again after `retry_after` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


def _name(email: str) -> str:
    # A hash, so Redis never holds the addresses people typed.
    return "signin:failures:" + hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _state(name: str) -> tuple[int, float]:
    try:
        raw = redis_connection.client.hmget(name, "count", "last")
    except redis.RedisError:
        with _memory_lock:
            return _memory.get(name, (0, 0.0))
    return int(raw[0] or 0), float(raw[1] or 0.0)


def wait_seconds(failures: int, last_failure: float, now: float) -> int:
    """Seconds still to wait before the next attempt (0: go ahead)."""
    free = int(current_app.config["SIGNIN_FREE_FAILURES"])
    if failures < free:
        return 0
    delay = min(float(current_app.config["SIGNIN_MAX_BACKOFF_SECONDS"]),
                2.0 ** min(failures - free, 30))
    return max(0, math.ceil(last_failure + delay - now))


def check(email: str) -> None:
    """Raise Throttled while this account must wait."""
    failures, last = _state(_name(email))
    wait = wait_seconds(failures, last, time.time())
    if wait:
        raise Throttled(wait)


def failed(email: str) -> None:
    """Count a failed attempt on this account."""
    name, now = _name(email), time.time()
    try:
        with redis_connection.client.pipeline() as pipe:
            pipe.hincrby(name, "count", 1).hset(name, "last", now)
            pipe.expire(name, FORGET_AFTER_SECONDS).execute()
    except redis.RedisError:
        with _memory_lock:
            count, _ = _memory.get(name, (0, 0.0))
            if len(_memory) > 100_000:
                _memory.clear()
            _memory[name] = (count + 1, now)


def succeeded(email: str) -> None:
    """Forget the failures of an account that signed in."""
    name = _name(email)
    with _memory_lock:
        _memory.pop(name, None)
    with contextlib.suppress(redis.RedisError):  # expires on its own within a day
        redis_connection.client.delete(name)
