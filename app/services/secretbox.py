"""Encryption at rest for secrets we must be able to read back (gateway credentials, webhook
signing secrets, stored idempotent responses).

Keys come from GATEWAY_CREDENTIALS_KEY (comma-separated, newest first) or, when that is
empty (never in production, see `app.config.validate`), SECRET_KEY. Each configured secret is
hashed into a Fernet key, so any string works. The first key encrypts; all of them decrypt,
so a new key can be put in front of the old one; `rotate` re-encrypts a value under the
newest key (`flask --app wsgi secrets rotate` does it for every stored secret), after which
the old key can be removed.
"""

from __future__ import annotations

import base64
import hashlib
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

__all__ = ["InvalidToken", "UnsetReference", "generate_key", "open_", "resolve", "rotate",
           "seal"]


class UnsetReference(LookupError):
    """An `env:NAME` reference to an environment variable that is not set."""


def _box() -> MultiFernet:
    secrets = current_app.config.get("GATEWAY_CREDENTIALS_KEY") or (
        current_app.config["SECRET_KEY"],)
    return MultiFernet([
        Fernet(base64.urlsafe_b64encode(
            hashlib.sha256(b"switchboard-gateway-credentials\x00" + secret.encode()).digest()))
        for secret in secrets
    ])


def generate_key() -> str:
    """A new key for GATEWAY_CREDENTIALS_KEY: 32 random bytes, URL-safe base64."""
    return base64.urlsafe_b64encode(os.urandom(32)).decode("ascii").rstrip("=")


def rotate(sealed: bytes) -> bytes:
    """Re-encrypt a stored value under the newest key; raises InvalidToken if none fits."""
    return _box().rotate(sealed)


def seal(plaintext: bytes) -> bytes:
    """Encrypt and authenticate bytes for storage."""
    return _box().encrypt(plaintext)


def open_(sealed: bytes) -> bytes:
    """Decrypt what `seal` produced; raises InvalidToken when no configured key fits."""
    return _box().decrypt(sealed)


def resolve(value: str) -> str:
    """A secret given as `env:NAME` is read from the environment at use time; others as is.

    Raises UnsetReference naming the variable when it is not set.
    """
    if not value.startswith("env:"):
        return value
    name = value.removeprefix("env:")
    if name not in os.environ:
        raise UnsetReference(name)
    return os.environ[name]
