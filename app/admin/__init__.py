"""The server-rendered admin UI (Jinja2 + HTMX) and its session login."""

from __future__ import annotations

from flask import Flask

from app.extensions import db, login_manager
from app.models import User


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """The session's user while its session version is current (`User.get_id`)."""
    user_id, _, version = session_id.partition(":")
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or version != str(user.session_version):
        return None
    return user


def init_app(app: Flask) -> None:
    """Register the admin blueprint(s)."""
    from app.admin import auth

    login_manager.login_view = "admin_auth.login"
    app.register_blueprint(auth.bp)
