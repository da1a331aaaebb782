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
from limits import RateLimitItemPerMinute
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
    _hit((principal.partner_id, principal.environment), limit_for(principal))


def check_client(bucket: str, ip: str | None) -> None:
    """Count an unauthenticated request (e.g. a sign-in) per client IP: PUBLIC_RATE_LIMIT."""
    _hit(("client", bucket, ip or "unknown"), int(current_app.config["PUBLIC_RATE_LIMIT"]))


def _hit(identity: tuple[str, ...], amount: int) -> None:
    item = RateLimitItemPerMinute(amount)
    try:
        limiter = _limiter()
        allowed = limiter.hit(item, *identity)
        stats = limiter.get_window_stats(item, *identity)
    except redis.RedisError:
        current_app.logger.warning("rate limiting skipped: Redis unavailable")
        return
    now = time.time()
    # The window this request counts in has just begun when the library answers 0 (its
    # modulo wraps at a full window): the quota resets a whole window from now.
    reset_in = math.ceil(stats.reset_time - now)
    if reset_in <= 0:
        reset_in = WINDOW_SECONDS
    g.rate_limit_headers = {
        "RateLimit-Policy": f"{amount};w={WINDOW_SECONDS}",
        "RateLimit": f"limit={amount}, remaining={stats.remaining}, reset={reset_in}",
        "X-RateLimit-Limit": str(amount),
        "X-RateLimit-Remaining": str(stats.remaining),
        "X-RateLimit-Reset": str(math.ceil(now) + reset_in),
    }
    if not allowed:
        raise ApiError("rate_limited", f"Limit of {amount} requests per minute reached.",
                       headers={"Retry-After": str(max(1, reset_in))})
