"""Rate limits in Redis (the `limits` library): per partner, and per client IP in front of
authentication.

Per partner and environment (after authentication): headers follow the IETF httpapi draft
(`RateLimit-Policy: 100;w=60`, `RateLimit: limit=100, remaining=99, reset=42`) plus the
legacy `X-RateLimit-*` trio, where `X-RateLimit-Reset` is a Unix time. When Redis is
unreachable this limit fails open: a partner is never refused because our cache is down.

Per client IP (before authentication, so a flood of bad credentials costs no database or
password work): every request of a surface or of `/hooks/*` (IP_RATE_LIMIT), refused
credentials (AUTH_FAILURE_RATE_LIMIT: past it, the IP gets 429 without a lookup), and
unauthenticated calls such as sign-ins (PUBLIC_RATE_LIMIT). These never fail open: without
Redis they count in the process's memory instead (per process, so looser, never absent).
The client IP is `request.remote_addr`, which honours `X-Forwarded-For` only behind the
configured number of proxies (PROXY_COUNT, Werkzeug's ProxyFix).
"""

from __future__ import annotations

import math
import time

import redis
from flask import current_app, g
from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.storage import MemoryStorage, RedisStorage
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


def _memory_limiter() -> SlidingWindowCounterRateLimiter:
    """The in-process fallback for the limits that must not fail open."""
    cache = current_app.extensions.setdefault("rate_limiters", {})
    if "memory" not in cache:
        cache["memory"] = SlidingWindowCounterRateLimiter(MemoryStorage())
    return cache["memory"]


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
    _hit(("client", bucket, ip or "unknown"), int(current_app.config["PUBLIC_RATE_LIMIT"]),
         fail_open=False)


def check_ip(scope: str, ip: str | None) -> None:
    """Count any request of a surface (or of the hooks) per client IP: IP_RATE_LIMIT.

    Runs before authentication; answers 429 past the limit. No headers: those describe the
    partner's own limit.
    """
    _hit(("ip", scope, ip or "unknown"), int(current_app.config["IP_RATE_LIMIT"]),
         fail_open=False, headers=False)


def refuse_failing_ip(scope: str, ip: str | None) -> None:
    """429 before authentication when this IP's refused credentials reached the limit."""
    item = RateLimitItemPerMinute(int(current_app.config["AUTH_FAILURE_RATE_LIMIT"]))
    identity = ("refused", scope, ip or "unknown")
    try:
        allowed = _limiter().test(item, *identity)
    except redis.RedisError:
        allowed = _memory_limiter().test(item, *identity)
    if not allowed:
        raise ApiError("rate_limited", "Too many refused credentials from your address; "
                       "wait a minute.", headers={"Retry-After": str(WINDOW_SECONDS)})


def note_refusal(scope: str, ip: str | None) -> None:
    """Count one refused credential (a bad key, token, session or signature) for this IP."""
    item = RateLimitItemPerMinute(int(current_app.config["AUTH_FAILURE_RATE_LIMIT"]))
    identity = ("refused", scope, ip or "unknown")
    try:
        _limiter().hit(item, *identity)
    except redis.RedisError:
        _memory_limiter().hit(item, *identity)


def check_client_hourly(bucket: str, ip: str | None, amount: int) -> None:
    """Count an unauthenticated submission (e.g. the evaluation form) per client IP per hour."""
    _hit(("client", bucket, ip or "unknown"), amount, RateLimitItemPerHour(amount),
         fail_open=False)


def _hit(identity: tuple[str, ...], amount: int, item: RateLimitItem | None = None,
         fail_open: bool = True, headers: bool = True) -> None:
    item = item or RateLimitItemPerMinute(amount)
    window = item.get_expiry()
    try:
        limiter = _limiter()
        allowed = limiter.hit(item, *identity)
        stats = limiter.get_window_stats(item, *identity)
    except redis.RedisError:
        if fail_open:
            current_app.logger.warning("rate limiting skipped: Redis unavailable")
            return
        limiter = _memory_limiter()
        allowed = limiter.hit(item, *identity)
        stats = limiter.get_window_stats(item, *identity)
    now = time.time()
    # The window this request counts in has just begun when the library answers 0 (its
    # modulo wraps at a full window): the quota resets a whole window from now.
    reset_in = math.ceil(stats.reset_time - now)
    if reset_in <= 0:
        reset_in = window
    if headers:
        g.rate_limit_headers = {
            "RateLimit-Policy": f"{amount};w={window}",
            "RateLimit": f"limit={amount}, remaining={stats.remaining}, reset={reset_in}",
            "X-RateLimit-Limit": str(amount),
            "X-RateLimit-Remaining": str(stats.remaining),
            "X-RateLimit-Reset": str(math.ceil(now) + reset_in),
        }
    if not allowed:
        per = "minute" if window == WINDOW_SECONDS else "hour"
        raise ApiError("rate_limited", f"Limit of {amount} requests per {per} reached.",
                       headers={"Retry-After": str(max(1, reset_in))})
