"""Callback signatures as each provider documents them, computed here with hmac/hashlib.

The webhook tests sign their requests with these, not with the adapters' own functions, so a
wrong recipe in an adapter fails the tests instead of agreeing with itself. Each recipe is
the provider's (and, for `switchboard`, ours as docs/gateways-messaging.md states it).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import time


def _hmac(key: str, data: bytes, digest) -> bytes:
    return hmac.new(key.encode(), data, digest).digest()


def meta(app_secret: str, body: bytes) -> str:
    """Meta Webhooks `X-Hub-Signature-256`: `sha256=` + hex HMAC-SHA256 of the raw body."""
    return "sha256=" + _hmac(app_secret, body, hashlib.sha256).hex()


def line(channel_secret: str, body: bytes) -> str:
    """LINE `x-line-signature`: base64 HMAC-SHA256 of the raw body, keyed by the channel secret."""
    return base64.b64encode(_hmac(channel_secret, body, hashlib.sha256)).decode()


def viber(auth_token: str, body: bytes) -> str:
    """Viber `X-Viber-Content-Signature`: hex HMAC-SHA256 of the raw body, keyed by the token."""
    return _hmac(auth_token, body, hashlib.sha256).hex()


def rbm(client_token: str, data: bytes) -> str:
    """RBM `X-Goog-Signature`: base64 HMAC-SHA512 of the decoded `message.data`."""
    return base64.b64encode(_hmac(client_token, data, hashlib.sha512)).decode()


def twilio(auth_token: str, url: str, params: dict[str, str]) -> str:
    """Twilio `X-Twilio-Signature`: base64 HMAC-SHA1 of the URL, then each POST parameter's
    name and value, sorted by name, with no separators."""
    signed = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(_hmac(auth_token, signed.encode(), hashlib.sha1)).decode()


def switchboard(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """Our hook headers (web chat, email notices): `X-Switchboard-Timestamp` (Unix seconds)
    and `X-Switchboard-Signature`: `sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>`."""
    timestamp = int(time.time()) if timestamp is None else timestamp
    signed = str(timestamp).encode() + b"." + body
    return {"X-Switchboard-Timestamp": str(timestamp),
            "X-Switchboard-Signature": "sha256=" + _hmac(secret, signed, hashlib.sha256).hex()}
