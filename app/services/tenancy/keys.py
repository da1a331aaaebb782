"""Access keys: `ak_live_`/`ak_test_` + 30 base62 chars + 6-char base62 CRC32 checksum."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import zlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import or_, select, update

from app.database import writes
from app.extensions import db
from app.models import AccessKey
from app.models.base import utcnow
from app.services import tx

BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
PREFIXES = {"live": "ak_live_", "sandbox": "ak_test_"}
RANDOM_LENGTH = 30
CHECKSUM_LENGTH = 6
KEY_LENGTH = len("ak_live_") + RANDOM_LENGTH + CHECKSUM_LENGTH
# `last_used_at` is kept to this resolution, so a busy key costs one write a minute.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class KeyFormatError(ValueError):
    """The string cannot be a Switchboard key: no database lookup is needed to know."""


class UnknownKey(LookupError):
    """Well-formed, but no such key."""


class RevokedKey(LookupError):
    """The key existed and was revoked (or its roll overlap ran out)."""


def _base62(number: int, width: int) -> str:
    digits = []
    for _ in range(width):
        number, rem = divmod(number, 62)
        digits.append(BASE62[rem])
    return "".join(reversed(digits))


def checksum(random_part: str) -> str:
    """Return the 6-char base62 CRC32 of the random part."""
    return _base62(zlib.crc32(random_part.encode()), CHECKSUM_LENGTH)


def generate(environment: str) -> str:
    """Return a new plaintext key for the environment."""
    random_part = "".join(secrets.choice(BASE62) for _ in range(RANDOM_LENGTH))
    return PREFIXES[environment] + random_part + checksum(random_part)


def parse(key: str) -> str:
    """Check a key's shape and checksum and return its environment, or raise KeyFormatError."""
    if len(key) != KEY_LENGTH:
        raise KeyFormatError("wrong length")
    environment = next((env for env, p in PREFIXES.items() if key.startswith(p)), None)
    if environment is None:
        raise KeyFormatError("unknown prefix")
    body = key[len(PREFIXES[environment]):]
    if any(c not in BASE62 for c in body):
        raise KeyFormatError("not base62")
    random_part, check = body[:RANDOM_LENGTH], body[RANDOM_LENGTH:]
    if not hmac.compare_digest(checksum(random_part).encode(), check.encode()):
        raise KeyFormatError("bad checksum")
    return environment


def hash_key(key: str) -> str:
    """HMAC-SHA256 of a secret with the server-side pepper, hex."""
    pepper = current_app.config["KEY_PEPPER"].encode()
    return hmac.new(pepper, key.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class IssuedKey:
    record: AccessKey
    plaintext: str


def create(partner_id: str, environment: str, name: str | None = None,
           rolled_from_id: str | None = None) -> IssuedKey:
    """Store a new key for a partner (HMAC only) and return it with its plaintext, once."""
    plaintext = generate(environment)
    record = AccessKey(
        partner_id=partner_id,
        environment=environment,
        key_hash=hash_key(plaintext),
        display_prefix=plaintext[: len(PREFIXES[environment]) + 4],
        last_four=plaintext[-4:],
        name=name,
        rolled_from_id=rolled_from_id,
    )
    db.session.add(record)
    db.session.flush()
    return IssuedKey(record, plaintext)


def find(plaintext: str) -> AccessKey | None:
    """Look a well-formed key up by its HMAC."""
    return db.session.scalar(select(AccessKey).where(AccessKey.key_hash == hash_key(plaintext)))


def authenticate(plaintext: str) -> AccessKey:
    """Return the usable key record for a presented key.

    Raises KeyFormatError (before touching the database), UnknownKey or RevokedKey.
    """
    parse(plaintext)
    record = find(plaintext)
    if record is None:
        raise UnknownKey(plaintext[:12])
    if not is_usable(record):
        raise RevokedKey(record.id)
    return record


def touch(key_id: str, last_used_at: datetime | None,
          now: datetime | None = None) -> datetime | None:
    """Note that a key was used: at most one write per key per LAST_USED_RESOLUTION.

    Most calls find `last_used_at` fresh and write nothing. Otherwise one conditional UPDATE
    on a connection of its own (its own short write transaction, so the caller's read
    stays a read): of many concurrent calls, at most one changes the row. Answers the new
    last-used time when it wrote, else None.
    """
    now = now or utcnow()
    stale = now - LAST_USED_RESOLUTION
    if last_used_at is not None and last_used_at > stale:
        return None
    with writes(), db.engine.begin() as conn:
        conn.execute(update(AccessKey).where(
            AccessKey.id == key_id,
            or_(AccessKey.last_used_at.is_(None), AccessKey.last_used_at <= stale))
            .values(last_used_at=now))
    return now


def is_usable(record: AccessKey, now: datetime | None = None) -> bool:
    """A key works until revoked, or until the overlap of a roll has run out."""
    now = now or utcnow()
    if record.revoked_at is not None:
        return False
    return record.expires_at is None or record.expires_at > now


def list_keys(partner_id: str) -> list[AccessKey]:
    """The partner's keys, newest first (both environments; revoked ones too)."""
    return list(db.session.scalars(select(AccessKey).where(AccessKey.partner_id == partner_id)
                                   .order_by(AccessKey.id.desc())))


def revoke(key_id: str, partner_id: str | None = None) -> AccessKey | None:
    """Revoke a key at once; returns None when no such key (for that partner) exists."""
    query = select(AccessKey).where(AccessKey.id == key_id)
    if partner_id is not None:
        query = query.where(AccessKey.partner_id == partner_id)
    record = db.session.scalar(query)
    if record is None:
        return None
    if record.revoked_at is None:
        record.revoked_at = utcnow()
    tx.commit()
    return record


def roll(key_id: str, partner_id: str, overlap: timedelta) -> IssuedKey | None:
    """Issue a replacement key; the old one keeps working for `overlap`, then stops."""
    old = db.session.scalar(
        select(AccessKey).where(AccessKey.id == key_id, AccessKey.partner_id == partner_id)
    )
    if old is None or not is_usable(old):
        return None
    issued = create(partner_id, old.environment, name=old.name, rolled_from_id=old.id)
    ends = utcnow() + overlap
    # Rolling again during an overlap may shorten it, never lengthen it: a stolen key
    # being rolled away must not win itself more time.
    old.expires_at = ends if old.expires_at is None else min(old.expires_at, ends)
    tx.commit()
    return issued
