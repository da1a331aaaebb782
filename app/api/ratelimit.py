"""Per-partner, per-environment rate limits in Redis (the `limits` library).

Headers follow the IETF httpapi draft (`RateLimit-Policy: 100;w=60`,
`RateLimit: limit=100, remaining=99, reset=42`) plus the legacy `X-RateLimit-*` trio, where
`X-RateLimit-Reset` is a Unix time. When Redis is unreachable the limit fails open: a
partner is never refused because our cache is down.
"""

from __future__ import annotations

import math
import time

import redis
from flask import current_app, g
from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.storage import RedisStorage
from limits.strategies import SlidingWindowCounterRateLimiter

from app.api.principal import Principal
from app.errors import ApiError
from app.extensions import redis_connection

WINDOW_SECONDS = 60


def _limiter() -> SlidingWindowCounterRateLimiter:
    url = redis_connection.url()
    cache = current_app.extensions.setdefault("rate_limiters", {})
    if url not in cache:
        storage = RedisStorage("redis://localhost",  # the URI is unused with a pool given
                               connection_pool=redis_connection.client.connection_pool)
        cache[url] = SlidingWindowCounterRateLimiter(storage)
    return cache[url]


def limit_for(principal: Principal) -> int:
    """Requests per minute for this partner and environment."""
    if principal.rate_limit:
        return principal.rate_limit
    key = "RATE_LIMIT_LIVE" if principal.environment == "live" else "RATE_LIMIT_SANDBOX"
    return int(current_app.config[key])


def check(principal: Principal) -> None:
    """Count this request; raise 429 when over the limit. Headers go out on every response."""
    # An operator's call about no one partner counts against the operator.
    _hit((principal.partner_id or principal.actor, principal.environment), limit_for(principal))


def check_client(bucket: str, ip: str | None) -> None:
    """Count an unauthenticated request (e.g. a sign-in) per client IP: PUBLIC_RATE_LIMIT."""
    _hit(("client", bucket, ip or "unknown"), int(current_app.config["PUBLIC_RATE_LIMIT"]))


def check_client_hourly(bucket: str, ip: str | None, amount: int) -> None:
    """Count an unauthenticated submission (e.g. the evaluation form) per client IP per hour."""
    _hit(("client", bucket, ip or "unknown"), amount, RateLimitItemPerHour(amount))


def _hit(identity: tuple[str, ...], amount: int, item: RateLimitItem | None = None) -> None:
    item = item or RateLimitItemPerMinute(amount)
    window = item.get_expiry()
    try:
        limiter = _limiter()
        allowed = limiter.hit(item, *identity)
        stats = limiter.get_window_stats(item, *identity)
    except redis.RedisError:
        current_app.logger.warning("rate limiting skipped: Redis unavailable")
        return
    reset_in = max(0, math.ceil(stats.reset_time - time.time()))
    g.rate_limit_headers = {
        "RateLimit-Policy": f"{amount};w={window}",
        "RateLimit": f"limit={amount}, remaining={stats.remaining}, reset={reset_in}",
        "X-RateLimit-Limit": str(amount),
        "X-RateLimit-Remaining": str(stats.remaining),
        "X-RateLimit-Reset": str(math.ceil(stats.reset_time)),
    }
    if not allowed:
        per = "minute" if window == WINDOW_SECONDS else "hour"
        raise ApiError("rate_limited", f"Limit of {amount} requests per {per} reached.",
                       headers={"Retry-After": str(max(1, reset_in))})
