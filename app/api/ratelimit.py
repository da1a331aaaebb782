"""Rate limits in Redis: per partner, and per client IP in front of authentication.

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

Every limit is a sliding window counter: the previous fixed window's count, weighted by how
much of it still overlaps the sliding window, plus the current window's count. One Lua
script (`SCRIPT`) runs all of one step's windows in order, stops at the first refusal and,
when every window passed, takes the idempotency lock and reads a value (the authentication
epoch) in the same round trip. It replaced the `limits` library, which cost two round trips
per counted limit (the hit, then `get_window_stats` for the headers) and one per test: a
send made five for its limits alone, plus one for the lock. Now the steps before
authentication are one round trip and the partner limit with the lock another. The
in-process fallback (`_Memory`) runs the same arithmetic.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from dataclasses import dataclass

import redis
from flask import current_app, g

from app.api.principal import Principal
from app.errors import ApiError
from app.extensions import redis_connection

WINDOW_SECONDS = 60
PREFIX = "rl:"

# KEYS: per window its current and previous counter, then the lock, then the keys to read.
# ARGV: the number of windows; per window limit, weight of the previous count, whether it
# counts (1) or only tests (0), its expiry; then lock token and seconds; then the number of
# keys to read and per key a fresh value stored when it is missing. Answers {0, the counts
# used as strings, lock taken (1/0/-1 none), the values read}, or {the refusing window}.
SCRIPT = """
local n = tonumber(ARGV[1])
local used = {}
for i = 1, n do
  local limit, weight = tonumber(ARGV[4*i-2]), tonumber(ARGV[4*i-1])
  local counts, expiry = ARGV[4*i] == '1', tonumber(ARGV[4*i+1])
  local now = tonumber(redis.call('GET', KEYS[2*i-1]) or '0')
  local count = tonumber(redis.call('GET', KEYS[2*i]) or '0') * weight + now
  if counts then
    if count + 1 > limit then return {i} end
    redis.call('INCR', KEYS[2*i-1])
    redis.call('EXPIRE', KEYS[2*i-1], expiry)
    count = count + 1
  elseif count >= limit then
    return {i}
  end
  used[i] = tostring(count)
end
local lock = -1
local token = ARGV[4*n+2]
if token ~= '' then
  lock = redis.call('SET', KEYS[2*n+1], token, 'NX', 'EX', tonumber(ARGV[4*n+3])) and 1 or 0
end
local reads = tonumber(ARGV[4*n+4])
local values = {}
for j = 1, reads do
  local name = KEYS[#KEYS - reads + j]
  local value = redis.call('GET', name)
  if not value then value = ARGV[4*n+4+j]; redis.call('SET', name, value) end
  values[j] = value
end
table.insert(used, 1, 0)
table.insert(used, lock)
for j = 1, reads do table.insert(used, values[j]) end
return used
"""


@dataclass(frozen=True)
class Window:
    """One limit: `limit` requests per `seconds` for `name`; `counts=False` only tests it."""

    name: str
    limit: int
    seconds: int = WINDOW_SECONDS
    counts: bool = True
    fail_open: bool = False

    def keys(self, now: float) -> tuple[str, str, float]:
        """The current and previous counters' keys and the previous count's weight."""
        index, into = divmod(now, self.seconds)
        # The limit is part of the name (as it was with `limits`): a changed limit counts afresh.
        base = f"{PREFIX}{self.limit}/{self.seconds}:{self.name}:"
        return f"{base}{int(index)}", f"{base}{int(index) - 1}", 1 - into / self.seconds

    def resets_in(self, now: float) -> int:
        """Whole seconds until the current fixed window ends (at least 1)."""
        return max(1, math.ceil(self.seconds - now % self.seconds))


@dataclass
class Outcome:
    refused: Window | None
    used: list[float]
    locked: bool | None = None  # None: no lock asked for (or Redis was down)
    values: list[str] | None = None  # of the keys read; None without Redis


@dataclass(frozen=True)
class Lock:
    """An `SET NX EX` taken in the same round trip when every window passed."""

    name: str
    token: str
    seconds: int


def run(windows: list[Window], lock: Lock | None = None, read: tuple[str, ...] = (),
        now: float | None = None) -> Outcome:
    """Check `windows` in order in one round trip; raises RedisError when Redis is down."""
    now = time.time() if now is None else now
    keys: list[str] = []
    args: list = [len(windows)]
    for window in windows:
        current, previous, weight = window.keys(now)
        keys += [current, previous]
        args += [window.limit, repr(weight), int(window.counts), 2 * window.seconds]
    if lock is not None:
        keys.append(lock.name)
    args += [lock.token if lock else "", lock.seconds if lock else 0]
    keys += read
    args += [len(read), *(uuid.uuid4().hex for _ in read)]
    answer = _script()(keys=keys, args=args)
    if answer[0]:
        return Outcome(windows[answer[0] - 1], [])
    used = [float(v) for v in answer[1:1 + len(windows)]]
    locked, *values = answer[1 + len(windows):]
    return Outcome(None, used, None if locked == -1 else bool(locked),
                   [v.decode() if isinstance(v, bytes) else v for v in values])


def _script():
    cache = current_app.extensions.setdefault("rate_limit_scripts", {})
    client = redis_connection.client
    if id(client) not in cache:
        cache.clear()
        cache[id(client)] = client.register_script(SCRIPT)
    return cache[id(client)]


class _Memory:
    """The in-process fallback for the limits that must not fail open: the same arithmetic."""

    def __init__(self) -> None:
        self.counts: dict[str, tuple[int, float]] = {}  # key -> (count, expires at)
        self.lock = threading.Lock()

    def run(self, windows: list[Window], now: float | None = None) -> Outcome:
        now = time.time() if now is None else now
        used: list[float] = []
        with self.lock:
            if len(self.counts) > 100_000:  # forget expired counters; never grow unbounded
                self.counts = {k: v for k, v in self.counts.items() if v[1] > now}
            for window in windows:
                current, previous, weight = window.keys(now)
                count = self._get(previous, now) * weight + self._get(current, now)
                if window.counts:
                    if count + 1 > window.limit:
                        return Outcome(window, used)
                    self.counts[current] = (self._get(current, now) + 1,
                                            now + 2 * window.seconds)
                    count += 1
                elif count >= window.limit:
                    return Outcome(window, used)
                used.append(count)
        return Outcome(None, used)

    def _get(self, key: str, now: float) -> int:
        count, expires = self.counts.get(key, (0, 0.0))
        return count if expires > now else 0


def _memory() -> _Memory:
    return current_app.extensions.setdefault("rate_limit_memory", _Memory())


def _checked(windows: list[Window], lock: Lock | None = None,
             read: tuple[str, ...] = ()) -> Outcome | None:
    """Run the windows in Redis, or in memory without it; None when a fail-open one skipped."""
    try:
        return run(windows, lock, read)
    except redis.RedisError:
        if all(window.fail_open for window in windows):
            current_app.logger.warning("rate limiting skipped: Redis unavailable")
            return None
        return _memory().run([w for w in windows if not w.fail_open])


def limit_for(principal: Principal) -> int:
    """Requests per minute for this partner and environment."""
    if principal.rate_limit:
        return principal.rate_limit
    key = "RATE_LIMIT_LIVE" if principal.environment == "live" else "RATE_LIMIT_SANDBOX"
    return int(current_app.config[key])


def enabled() -> bool:
    """Whether the per-partner limit runs (RATE_LIMIT_ENABLED; the per-IP limits always do)."""
    return bool(current_app.config["RATE_LIMIT_ENABLED"])


def check(principal: Principal, lock: Lock | None = None) -> bool | None:
    """Count this request; raise 429 when over the limit. Headers go out on every response.

    With `lock`, the idempotency lock is taken in the same round trip once the request is
    within its limit: answers whether it was taken (None when Redis was down).
    """
    # An operator's call about no one partner counts against the operator.
    amount = limit_for(principal)
    window = Window(f"partner:{principal.partner_id or principal.actor}:"
                    f"{principal.environment}", amount, fail_open=True)
    windows = [window] if enabled() else []
    if not windows and lock is None:
        return None
    outcome = _checked(windows, lock)
    if outcome is None:
        return None
    if windows:
        _headers(window, outcome)
    _raise_if_refused(outcome, "minute")
    return outcome.locked


def guard_ip(scope: str, ip: str | None, read: tuple[str, ...] = ()) -> list[str] | None:
    """Before authentication, in one round trip: IP_RATE_LIMIT for any request of a surface
    (or of the hooks) per client IP, then 429 when this IP's refused credentials reached
    AUTH_FAILURE_RATE_LIMIT. No headers: those describe the partner's own limit.

    Answers the values of the `read` keys, set to fresh random values where missing (None
    without Redis).
    """
    outcome = _checked([_ip_window(scope, ip), _refused_window(scope, ip, counts=False)],
                       read=read)
    if outcome.refused is not None and not outcome.refused.counts:
        raise ApiError("rate_limited", "Too many refused credentials from your address; "
                       "wait a minute.", headers={"Retry-After": str(WINDOW_SECONDS)})
    _raise_if_refused(outcome, "minute")
    return outcome.values


def note_refusal(scope: str, ip: str | None) -> None:
    """Count one refused credential (a bad key, token, session or signature) for this IP."""
    _checked([_refused_window(scope, ip)])


def check_client(bucket: str, ip: str | None) -> None:
    """Count an unauthenticated request (e.g. a sign-in) per client IP: PUBLIC_RATE_LIMIT."""
    amount = int(current_app.config["PUBLIC_RATE_LIMIT"])
    window = Window(f"client:{bucket}:{ip or 'unknown'}", amount)
    outcome = _checked([window])
    _headers(window, outcome)
    _raise_if_refused(outcome, "minute")


def check_client_hourly(bucket: str, ip: str | None, amount: int) -> None:
    """Count an unauthenticated submission (e.g. the evaluation form) per client IP per hour."""
    window = Window(f"client:{bucket}:{ip or 'unknown'}", amount, seconds=3600)
    outcome = _checked([window])
    _headers(window, outcome)
    _raise_if_refused(outcome, "hour")


def _ip_window(scope: str, ip: str | None) -> Window:
    return Window(f"ip:{scope}:{ip or 'unknown'}", int(current_app.config["IP_RATE_LIMIT"]))


def _refused_window(scope: str, ip: str | None, counts: bool = True) -> Window:
    return Window(f"refused:{scope}:{ip or 'unknown'}",
                  int(current_app.config["AUTH_FAILURE_RATE_LIMIT"]), counts=counts)


def _headers(window: Window, outcome: Outcome) -> None:
    now = time.time()
    used = outcome.used[0] if outcome.refused is None else window.limit
    remaining = max(0, math.floor(window.limit - used))
    reset_in = window.resets_in(now)
    g.rate_limit_headers = {
        "RateLimit-Policy": f"{window.limit};w={window.seconds}",
        "RateLimit": f"limit={window.limit}, remaining={remaining}, reset={reset_in}",
        "X-RateLimit-Limit": str(window.limit),
        "X-RateLimit-Remaining": str(remaining),
        "X-RateLimit-Reset": str(math.ceil(now) + reset_in),
    }


def _raise_if_refused(outcome: Outcome | None, per: str) -> None:
    if outcome is None or outcome.refused is None:
        return
    window = outcome.refused
    raise ApiError("rate_limited", f"Limit of {window.limit} requests per {per} reached.",
                   headers={"Retry-After": str(window.resets_in(time.time()))})
