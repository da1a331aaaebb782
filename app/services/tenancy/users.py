"""Users: creation and password login."""

from __future__ import annotations

import functools

from sqlalchemy import func, select, update

from app.extensions import db
from app.models import MobileToken, Partner, User
from app.models.base import utcnow
from app.models.users import ROLES
from app.services import tx
from app.services.tenancy import signin_backoff
from app.services.tenancy.passwords import hash_password, verify_password


class UserError(ValueError):
    pass


def create_user(email: str, password: str, role: str, partner_id: str | None = None,
                name: str | None = None) -> User:
    """Create a login; operators have no partner, admins and agents must have one."""
    email = email.strip().lower()
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}")
    if role == "operator" and partner_id:
        raise UserError("operators belong to no partner")
    if role != "operator" and (not partner_id or db.session.get(Partner, partner_id) is None):
        raise UserError(f"{role} needs an existing --partner")
    if len(password) < 8:
        raise UserError("password must have at least 8 characters")
    if db.session.scalar(select(User).where(func.lower(User.email) == email)):
        raise UserError(f"a user with email {email} exists")
    user = User(email=email, password_hash=hash_password(password), role=role,
                partner_id=partner_id, name=name)
    db.session.add(user)
    tx.commit()
    return user


def end_sessions(user_id: str) -> None:
    """End every admin session of a user (sign-out): copied cookies stop working too."""
    db.session.execute(update(User).where(User.id == user_id)
                       .values(session_version=User.session_version + 1))
    tx.commit()


def set_password(email: str, password: str) -> User:
    """Change a user's password and end all of their admin sessions and mobile sign-ins."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise UserError(f"no user with email {email}")
    if len(password) < 8:
        raise UserError("password must have at least 8 characters")
    user.password_hash = hash_password(password)
    user.session_version += 1
    db.session.execute(update(MobileToken).where(
        MobileToken.user_id == user.id, MobileToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session=False))
    tx.commit()
    return user


@functools.cache
def _decoy_hash() -> str:
    return hash_password("decoy password, never a real one")


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None.

    An unknown email costs the same password check as a known one, so response times do
    not tell which emails have accounts. Raises signin_backoff.Throttled, before any
    password work, while the account is backing off after repeated failures.
    """
    signin_backoff.check(email)
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        verify_password(_decoy_hash(), password)
        signin_backoff.failed(email)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        signin_backoff.failed(email)
        return None
    signin_backoff.succeeded(email)
    return user
