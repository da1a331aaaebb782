"""Mobile app credentials: access/refresh token pairs and FCM push token registrations.

Tokens are `mat_` (access, 1 hour) and `mrt_` (refresh, 30 days) + 40 base62 random
characters + the 6-character base62 CRC32 checksum of access keys, so a mistyped or foreign
string is refused before any database work. Only their HMAC-SHA256 (with KEY_PEPPER) is
stored. A sign-in starts a token family; a refresh consumes its pair (both tokens stop
working) and issues the next; presenting a consumed refresh token again means it was copied,
so the whole family is revoked (OAuth 2.0 Security BCP, refresh token rotation). Refreshing
slides the refresh token's expiry but never past the sign-in's absolute end
(MOBILE_SESSION_MAX_SECONDS, 90 days by default), so a stolen family dies eventually.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app.errors import ApiError
from app.extensions import db
from app.models import MobileToken, Partner, PushToken, User
from app.models.base import ENVIRONMENTS, isoformat, new_id, utcnow
from app.services import tx
from app.services.tenancy import signin_backoff, users
from app.services.tenancy.keys import BASE62, checksum, hash_key

ACCESS_PREFIX = "mat_"
REFRESH_PREFIX = "mrt_"
RANDOM_LENGTH = 40
TOKEN_LENGTH = len(ACCESS_PREFIX) + RANDOM_LENGTH + 6
MOBILE_ROLES = ("admin", "agent")
ACCESS_SECONDS = 3600
REFRESH_SECONDS = 30 * 24 * 3600
SESSION_MAX_SECONDS = 90 * 24 * 3600


@dataclass(frozen=True)
class IssuedTokens:
    record: MobileToken
    user: User
    access_token: str
    refresh_token: str


def generate(prefix: str) -> str:
    """A new plaintext token with the given prefix."""
    random_part = "".join(secrets.choice(BASE62) for _ in range(RANDOM_LENGTH))
    return prefix + random_part + checksum(random_part)


def well_formed(token: str, prefix: str) -> bool:
    """Whether the string has the token shape and a valid checksum (no database work)."""
    if len(token) != TOKEN_LENGTH or not token.startswith(prefix):
        return False
    body = token[len(prefix):]
    if any(c not in BASE62 for c in body):
        return False
    return hmac.compare_digest(checksum(body[:RANDOM_LENGTH]).encode(),
                               body[RANDOM_LENGTH:].encode())


def _invalid(detail: str, keep_changes: bool = False) -> ApiError:
    return ApiError("invalid_token", detail, keep_changes=keep_changes,
                    headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def _seconds(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def access_seconds() -> int:
    """Lifetime of an access token (MOBILE_ACCESS_TOKEN_SECONDS, default one hour)."""
    return _seconds("MOBILE_ACCESS_TOKEN_SECONDS", ACCESS_SECONDS)


def _issue(user: User, environment: str, family_id: str, user_agent: str | None,
           session_expires_at: datetime | None = None) -> IssuedTokens:
    """A new pair of a family; a new family (sign-in) when no `session_expires_at` is given."""
    now = utcnow()
    if session_expires_at is None:
        session_expires_at = now + timedelta(
            seconds=_seconds("MOBILE_SESSION_MAX_SECONDS", SESSION_MAX_SECONDS))
    access, refresh = generate(ACCESS_PREFIX), generate(REFRESH_PREFIX)
    record = MobileToken(
        partner_id=user.partner_id, environment=environment, user_id=user.id,
        family_id=family_id, access_hash=hash_key(access), refresh_hash=hash_key(refresh),
        access_expires_at=min(now + timedelta(seconds=access_seconds()), session_expires_at),
        refresh_expires_at=min(now + timedelta(
            seconds=_seconds("MOBILE_REFRESH_TOKEN_SECONDS", REFRESH_SECONDS)),
            session_expires_at),
        session_expires_at=session_expires_at,
        user_agent=(user_agent or "")[:500] or None, created_at=now, updated_at=now,
    )
    db.session.add(record)
    db.session.flush()
    return IssuedTokens(record, user, access, refresh)


def _check_member(user: User | None) -> User:
    """The user may use the app: an active admin or agent of an active partner."""
    if user is None or not user.is_active:
        raise _invalid("The user of this token no longer exists or is disabled.")
    if user.role not in MOBILE_ROLES or user.partner_id is None:
        raise ApiError("forbidden", "Only a partner's admins and agents can use the mobile app.")
    partner = db.session.get(Partner, user.partner_id)
    if partner is None or partner.status != "active":
        raise ApiError("forbidden", "This partner account is suspended.")
    return user


def sign_in(email: str, password: str, environment: str,
            user_agent: str | None = None) -> IssuedTokens:
    """Check a password login and start a token family; 401 on bad credentials."""
    if environment not in ENVIRONMENTS:
        raise ApiError("invalid_field", "`environment` must be live or sandbox.",
                       param="environment")
    try:
        user = users.authenticate(email, password)
    except signin_backoff.Throttled as throttled:
        raise ApiError("rate_limited", "Too many failed sign-ins on this account; wait "
                       f"{throttled.retry_after} seconds.",
                       headers={"Retry-After": str(throttled.retry_after)}) from None
    if user is None:
        raise _invalid("Email or password is incorrect.")
    _check_member(user)
    issued = _issue(user, environment, new_id("mtf"), user_agent)
    tx.commit()
    return issued


def authenticate(access_token: str) -> tuple[MobileToken, User]:
    """The token pair and user behind a presented access token, or a 401/403 problem."""
    if not well_formed(access_token, ACCESS_PREFIX):
        raise _invalid("This is not a mobile access token (`mat_...`).")
    record = db.session.scalar(select(MobileToken).where(
        MobileToken.access_hash == hash_key(access_token)))
    if record is None:
        raise _invalid("Unknown access token.")
    if record.revoked_at is not None:
        raise _invalid("This access token was revoked; sign in again.")
    if record.consumed_at is not None:
        raise _invalid("This access token was replaced by a refresh; use the new one.")
    if record.access_expires_at <= utcnow():
        raise _invalid("This access token has expired; refresh it.")
    user = _check_member(db.session.get(User, record.user_id))
    if user.partner_id != record.partner_id:
        raise _invalid("This access token no longer matches its user's team.")
    return record, user


def refresh(refresh_token: str, user_agent: str | None = None) -> IssuedTokens:
    """Exchange a refresh token for the next pair; a reused one revokes its whole family.

    The revocation is kept although the call answers 401 (`keep_changes`).
    """
    if not well_formed(refresh_token, REFRESH_PREFIX):
        raise _invalid("This is not a mobile refresh token (`mrt_...`).")
    record = db.session.scalar(select(MobileToken).where(
        MobileToken.refresh_hash == hash_key(refresh_token)).with_for_update())
    if record is None:
        raise _invalid("Unknown refresh token.")
    if record.revoked_at is not None:
        raise _invalid("This refresh token was revoked; sign in again.")
    if record.consumed_at is not None:
        revoke_family(record.family_id)
        raise _invalid("This refresh token was already used, so it may have been copied: "
                       "every token of this sign-in is now revoked. Sign in again.",
                       keep_changes=True)
    if min(record.refresh_expires_at, record.session_expires_at) <= utcnow():
        raise _invalid("This refresh token has expired; sign in again.")
    user = _check_member(db.session.get(User, record.user_id))
    record.consumed_at = utcnow()
    issued = _issue(user, record.environment, record.family_id, user_agent,
                    session_expires_at=record.session_expires_at)
    tx.commit()
    return issued


def revoke_family(family_id: str) -> int:
    """Revoke every pair of a sign-in (does not commit); returns how many were still live."""
    return db.session.execute(
        update(MobileToken)
        .where(MobileToken.family_id == family_id, MobileToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


def revoke(token: str) -> MobileToken | None:
    """Sign out: revoke the family of an access or refresh token; None when it is unknown."""
    if well_formed(token, ACCESS_PREFIX):
        column = MobileToken.access_hash
    elif well_formed(token, REFRESH_PREFIX):
        column = MobileToken.refresh_hash
    else:
        return None
    record = db.session.scalar(select(MobileToken).where(column == hash_key(token)))
    if record is None:
        return None
    revoke_family(record.family_id)
    tx.commit()
    return record


def user_to_api(user: User) -> dict:
    """The signed-in user, as the app shows it."""
    return {"id": user.id, "object": "user", "email": user.email, "name": user.name,
            "role": user.role, "partner_id": user.partner_id}


def tokens_to_api(issued: IssuedTokens) -> dict:
    """The token response (OAuth 2.0 shape), with the plaintext tokens shown this once."""
    record = issued.record
    return {
        "access_token": issued.access_token,
        "refresh_token": issued.refresh_token,
        "token_type": "Bearer",
        "expires_in": int((record.access_expires_at - record.created_at).total_seconds()),
        "refresh_expires_in": int(
            (record.refresh_expires_at - record.created_at).total_seconds()),
        "environment": record.environment,
        "user": user_to_api(issued.user),
    }


# --- push tokens ------------------------------------------------------------------------


def register_push_token(partner_id: str, environment: str, user_id: str, token: str,
                        platform: str) -> tuple[PushToken, bool]:
    """Register a device's FCM token for this user, or refresh it; True when new.

    A token names one device: registering it again (another user signed in there, or the
    other environment) moves it, so a device never gets another user's notifications.
    """
    now = utcnow()
    query = select(PushToken).where(PushToken.token == token).with_for_update()
    record = db.session.scalar(query)
    created = False
    if record is None:
        try:
            with db.session.begin_nested():
                record = PushToken(token=token, partner_id=partner_id, environment=environment,
                                   user_id=user_id, platform=platform, created_at=now)
                db.session.add(record)
            created = True
        except IntegrityError:  # registered concurrently by the same device: update that row
            record = db.session.scalar(query)
    record.partner_id, record.environment, record.user_id = partner_id, environment, user_id
    record.platform = platform
    record.last_seen_at = now
    tx.commit()
    return record, created


def delete_push_token(partner_id: str, environment: str, user_id: str, token: str) -> None:
    """Unregister a device (at sign-out); 404 unless it is registered to this user here."""
    record = db.session.scalar(select(PushToken).where(
        PushToken.partner_id == partner_id, PushToken.environment == environment,
        PushToken.user_id == user_id, PushToken.token == token))
    if record is None:
        raise ApiError("not_found", "No such push token registered for you.", param="token")
    db.session.delete(record)
    tx.commit()


def push_token_to_api(record: PushToken) -> dict:
    """The push token registration (the token itself is not echoed)."""
    return {"id": record.id, "object": "push_token", "platform": record.platform,
            "environment": record.environment, "user_id": record.user_id,
            "created_at": isoformat(record.created_at),
            "last_seen_at": isoformat(record.last_seen_at)}

