"""What the Google adapters (RBM, FCM) share: OAuth2 bearer tokens, error JSON, Retry-After.

Bearer token, in order of preference:
1. credentials `access_token`: used as given (an operator-refreshed token, typically an
   `env:NAME` reference, or a test's fake token);
2. credentials `service_account`: the service account's JSON key (an object, or the JSON
   text, e.g. from `env:NAME`) with `client_email`, `private_key` and optionally
   `private_key_id` and `token_uri`. A JWT signed with the key (RS256) is exchanged at the
   token endpoint (OAuth 2.0 JWT bearer grant, RFC 7523) for an access token, cached in the
   process until a minute before it expires. The endpoint is the gateway's `token_url`
   setting, else the key's `token_uri`, else Google's; tests point `token_url` at a fake.
Tokens and keys never appear in errors or logs.

Google APIs answer errors as `{"error": {"code", "message", "status", "details": [...]}}`.
"""

from __future__ import annotations

import base64
import json
import threading
import time
from email.utils import parsedate_to_datetime

import httpx
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding
from flask import current_app

from app.channels.gateways.base import GatewayConfig, http

DEFAULT_TOKEN_URL = "https://oauth2.googleapis.com/token"  # noqa: S105 - a URL, not a secret
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_LIFETIME = 3600
REFRESH_MARGIN = 60

_cache: dict[tuple, tuple[str, float]] = {}
_cache_lock = threading.Lock()


class TokenError(Exception):
    """No bearer token: `failure` is "transient" or "permanent"; the message holds no secret."""

    def __init__(self, failure: str, message: str):
        super().__init__(message)
        self.failure = failure


def bearer_token(gateway: GatewayConfig, scope: str) -> str:
    """An access token for `scope`, from the gateway's credentials; raises TokenError."""
    static = gateway.credentials.get("access_token")
    if static:
        return static
    account = _service_account(gateway.credentials.get("service_account"))
    token_url = (gateway.settings.get("token_url") or account.get("token_uri")
                 or DEFAULT_TOKEN_URL)
    key = (gateway.id, token_url, account["client_email"], scope)
    with _cache_lock:
        cached = _cache.get(key)
        if cached and cached[1] > time.time():
            return cached[0]
    token, lifetime = _exchange(account, token_url, scope)
    with _cache_lock:
        _cache[key] = (token, time.time() + max(lifetime - REFRESH_MARGIN, 0))
    return token


def forget_tokens() -> None:
    """Drop every cached token (a rotated key, or tests)."""
    with _cache_lock:
        _cache.clear()


def _service_account(raw) -> dict:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            raise TokenError("permanent", "service_account is not a JSON key") from None
    if not isinstance(raw, dict) or not raw.get("client_email") or not raw.get("private_key"):
        raise TokenError("permanent", "gateway has neither an access_token nor a "
                                      "service_account key with client_email and private_key")
    return raw


def service_account_jwt(account: dict, audience: str, scope: str, now: int | None = None
                        ) -> str:
    """The signed assertion a service account exchanges for an access token."""
    now = int(time.time()) if now is None else now
    header = {"alg": "RS256", "typ": "JWT"}
    if account.get("private_key_id"):
        header["kid"] = account["private_key_id"]
    claims = {"iss": account["client_email"], "scope": scope, "aud": audience,
              "iat": now, "exp": now + TOKEN_LIFETIME}
    signing_input = f"{_b64(json.dumps(header))}.{_b64(json.dumps(claims))}".encode()
    try:
        key = serialization.load_pem_private_key(account["private_key"].encode(), password=None)
        signature = key.sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
    except (ValueError, TypeError, AttributeError):
        raise TokenError("permanent", "service_account private_key is not an RSA key") from None
    return signing_input.decode() + "." + _b64(signature)


def _exchange(account: dict, token_url: str, scope: str) -> tuple[str, int]:
    assertion = service_account_jwt(account, token_url, scope)
    try:
        response = http().post(token_url, data={"grant_type": JWT_GRANT, "assertion": assertion},
                              timeout=float(current_app.config["GATEWAY_TIMEOUT_SECONDS"]))
    except httpx.HTTPError as exc:
        raise TokenError("transient", f"token endpoint unreachable: {type(exc).__name__}"
                         ) from None
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or not body.get("access_token"):
        failure = "transient" if response.status_code == 429 or response.status_code >= 500 \
            else "permanent"
        raise TokenError(failure, f"token endpoint {response.status_code}: "
                                  f"{body.get('error', '')} {body.get('error_description', '')}"
                         .strip())
    try:
        lifetime = int(body.get("expires_in", TOKEN_LIFETIME))
    except (TypeError, ValueError):
        lifetime = TOKEN_LIFETIME
    return body["access_token"], lifetime


def _b64(data: str | bytes) -> str:
    raw = data.encode() if isinstance(data, str) else data
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def error_of(response: httpx.Response) -> tuple[str, str]:
    """(status, message) of a Google error answer, with FCM's `errorCode` detail preferred."""
    try:
        error = response.json().get("error") or {}
    except (ValueError, AttributeError):
        error = {}
    if not isinstance(error, dict):
        error = {}
    status = error.get("status") or ""
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("errorCode"):
            status = detail["errorCode"]
            break
    return str(status), str(error.get("message") or "")


def retry_after(response: httpx.Response) -> float | None:
    """`Retry-After` in seconds (delta-seconds or an HTTP date), or None."""
    raw = (response.headers.get("Retry-After") or "").strip()
    if not raw:
        return None
    if raw.isdigit():
        return float(raw)
    try:
        return max(parsedate_to_datetime(raw).timestamp() - time.time(), 0.0)
    except (TypeError, ValueError, IndexError):
        return None
