"""The `Idempotency-Key` header: parsing, request fingerprints and the in-flight lock.

A key is optional on `/api/v1` (a request without one is simply not deduplicated). With a
key, the first successful (2xx) response is stored in the same transaction as its effect and
replayed byte for byte for 24 hours; errors are not stored, so a corrected retry may reuse
the key. The lock is a Redis `SET NX` with a time-out, taken in the same round trip as the
partner's rate limit (app.api.ratelimit); if Redis is down the database's unique constraint
still guarantees the effect happens once.

IDEMPOTENCY_ENABLED=false ignores the header altogether (no lock, nothing stored): for
measuring what idempotency costs (bench's `pipeline_guards`). Production starts with it off
only with a warning (app.api.init_app): a retried send may then send twice.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid

import redis
from flask import Request, current_app

from app.api.principal import Principal
from app.api.ratelimit import Lock
from app.errors import ApiError
from app.extensions import redis_connection

KEY_PATTERN = re.compile(r'^[\x21-\x7e]{1,255}$')


def enabled() -> bool:
    """Whether `Idempotency-Key` is honoured (IDEMPOTENCY_ENABLED)."""
    return bool(current_app.config["IDEMPOTENCY_ENABLED"])


def parse_key(raw: str | None) -> str | None:
    """The key from the header value, bare or double-quoted; None when absent."""
    if raw is None:
        return None
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not KEY_PATTERN.match(value) or '"' in value:
        raise ApiError("invalid_idempotency_key", param="Idempotency-Key")
    return value


def scope_of(principal: Principal) -> str:
    """Whose key space a request's key lives in.

    On /api/v1 the partner's (per environment), as DESIGN.md states: one integration, one
    key space. On /api/mobile and /api/internal each user picks keys independently (per
    device, per form), so the space is the surface and the user: two users' identical keys
    never answer each other's requests.
    """
    if principal.surface == "v1":
        return ""
    return f"{principal.surface}:{principal.user_id or principal.actor}"


def fingerprint(request: Request, body: object) -> str:
    """A hash of what makes two requests the same: method, path, query and the parsed body."""
    canonical = json.dumps(
        [request.method, request.path, sorted(request.args.items(multi=True)), body],
        sort_keys=True, separators=(",", ":"), default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


class InFlightLock:
    """Holds `idem:<partner>:<env>:<scope>:<key>` while the request runs; refuses a second
    holder. `lock` is taken by `ratelimit.check`; `taken` records its answer."""

    def __init__(self, principal: Principal, key: str):
        self.lock = Lock(f"idem:{principal.partner_id}:{principal.environment}:"
                         f"{scope_of(principal)}:{key}", uuid.uuid4().hex,
                         int(current_app.config["IDEMPOTENCY_LOCK_SECONDS"]))
        self.held = False

    def taken(self, acquired: bool | None) -> None:
        """Note the answer of the attempt: None (Redis down) goes on without the lock."""
        if acquired is None:
            current_app.logger.warning("idempotency lock skipped: Redis unavailable")
            return
        if not acquired:
            raise ApiError("idempotency_key_in_use", headers={"Retry-After": "1"})
        self.held = True

    def release(self) -> None:
        """Delete the lock if it is still ours (it may have expired and been re-taken)."""
        if not self.held:
            return
        self.held = False
        try:
            redis_connection.client.eval(
                "if redis.call('get', KEYS[1]) == ARGV[1] then "
                "return redis.call('del', KEYS[1]) else return 0 end", 1, self.lock.name,
                self.lock.token)
        except redis.RedisError:
            current_app.logger.warning("idempotency lock not released: Redis unavailable")
