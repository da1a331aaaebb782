"""Users: creation and password login."""

from __future__ import annotations

import functools

from sqlalchemy import func, select

from app.extensions import db
from app.models import Partner, User
from app.models.users import ROLES
from app.services import tx
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


@functools.cache
def _decoy_hash() -> str:
    return hash_password("decoy password, never a real one")


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None.

    An unknown email costs the same password check as a known one, so response times do
    not tell which emails have accounts.
    """
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        verify_password(_decoy_hash(), password)
        return None
    if not verify_password(user.password_hash, password) or not user.is_active:
        return None
    return user
