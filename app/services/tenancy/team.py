"""A partner's team: invitations by email, roles, deactivation.

An invited person is a user without a usable password until they open the link of the
invitation email (sent through the platform's email gateway) and choose one. Only an HMAC
of the link's token is stored; the link expires after INVITATION_DAYS. A team always keeps
at least one active admin, so nobody locks their own company out.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from app.errors import ApiError
from app.extensions import db
from app.models import Invitation, Partner, User
from app.models.base import isoformat, utcnow
from app.services import mail, tx
from app.services.tenancy.keys import hash_key
from app.services.tenancy.passwords import hash_password

TEAM_ROLES = ("admin", "agent")
MIN_PASSWORD = 8


def members(partner_id: str) -> list[User]:
    """Everyone on the partner's team, admins first, then by email."""
    return list(db.session.scalars(select(User).where(User.partner_id == partner_id)
                                   .order_by(User.role, User.email)))


def get_member(partner_id: str, user_id: str) -> User:
    """One member of the partner's team; 404 for anyone else."""
    user = db.session.scalar(select(User).where(User.id == user_id,
                                                User.partner_id == partner_id))
    if user is None:
        raise ApiError("not_found", f"No team member {user_id}.", param="id")
    return user


def invite(partner_id: str, email: str, role: str, name: str | None = None,
           send: bool = True) -> tuple[User, str]:
    """Add a member who chooses a password through the emailed link; (user, link).

    With `send=False` the caller mails the link itself (the evaluation's welcome email).
    """
    email = email.strip().lower()
    if role not in TEAM_ROLES:
        raise ApiError("invalid_field", "`role` is admin or agent.", param="role")
    if "@" not in email or len(email) > 320:
        raise ApiError("invalid_field", "`email` is not an email address.", param="email")
    if db.session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise ApiError("conflict", f"Someone with {email} already has a login.", param="email")
    partner = db.session.get(Partner, partner_id)
    # An unguessable hash nobody knows the password of: no login until the link is used.
    user = User(email=email, name=name, role=role, partner_id=partner_id,
                password_hash=hash_password(secrets.token_urlsafe(32)))
    db.session.add(user)
    db.session.flush()
    link = _new_invitation(user)
    if send:
        _send_invitation(partner, user, link)
    tx.commit()
    return user, link


def _send_invitation(partner: Partner, user: User, link: str) -> None:
    name = user.name
    role = "an admin" if user.role == "admin" else "an agent"
    mail.send_after_commit(mail.Email(
        to=user.email, subject=f"You are invited to {partner.name} on Switchboard",
        text=(f"Hello{' ' + name if name else ''},\n\nYou have been invited to join "
              f"{partner.name}'s team on Switchboard as {role}.\n"
              f"Choose your password here (the link works for "
              f"{current_app.config['INVITATION_DAYS']} days):\n\n{link}\n")))


def _new_invitation(user: User) -> str:
    token = secrets.token_urlsafe(32)
    db.session.add(Invitation(user_id=user.id, token_hash=hash_key(token), expires_at=utcnow()
                              + timedelta(days=current_app.config["INVITATION_DAYS"])))
    base = current_app.config["APP_PUBLIC_URL"].rstrip("/")
    return f"{base}/admin/invitations/{token}"


def find_invitation(token: str) -> Invitation | None:
    """The open invitation of a link's token (unused, unexpired), or None."""
    found = db.session.scalar(select(Invitation).where(Invitation.token_hash == hash_key(token)))
    if found is None or found.accepted_at is not None or found.expires_at <= utcnow():
        return None
    return found


def accept(token: str, password: str) -> User:
    """Set the invited member's password; the link stops working."""
    invitation = find_invitation(token)
    if invitation is None:
        raise ApiError("not_found", "This invitation link is used or expired; ask your admin "
                       "for a new one.")
    if len(password) < MIN_PASSWORD:
        raise ApiError("invalid_field", f"Choose at least {MIN_PASSWORD} characters.",
                       param="password")
    user = db.session.get(User, invitation.user_id)
    user.password_hash = hash_password(password)
    invitation.accepted_at = utcnow()
    tx.commit()
    return user


def change_role(partner_id: str, user_id: str, role: str) -> User:
    """Make a member an admin or an agent (the last active admin stays an admin)."""
    if role not in TEAM_ROLES:
        raise ApiError("invalid_field", "`role` is admin or agent.", param="role")
    user = get_member(partner_id, user_id)
    if user.role == "admin" and role != "admin":
        _keep_an_admin(partner_id, user)
    user.role = role
    tx.commit()
    return user


def set_active(partner_id: str, user_id: str, active: bool) -> User:
    """Deactivate (signs them out, keeps their history) or reactivate a member."""
    user = get_member(partner_id, user_id)
    if not active and user.role == "admin":
        _keep_an_admin(partner_id, user)
    user.disabled_at = None if active else (user.disabled_at or utcnow())
    tx.commit()
    return user


def _keep_an_admin(partner_id: str, leaving: User) -> None:
    others = db.session.scalar(select(func.count(User.id)).where(
        User.partner_id == partner_id, User.role == "admin", User.disabled_at.is_(None),
        User.id != leaving.id))
    if not others:
        raise ApiError("conflict", "The team needs at least one active admin.", param="role")


def to_api(user: User) -> dict:
    """A team member as the console's API answers it."""
    return {"id": user.id, "object": "user", "email": user.email, "name": user.name,
            "role": user.role, "active": user.is_active,
            "created_at": isoformat(user.created_at)}
