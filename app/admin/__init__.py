"""The server-rendered admin UI (Jinja2 + HTMX) and its session login."""

from __future__ import annotations

from flask import Flask

from app.extensions import db, login_manager
from app.models import User


@login_manager.user_loader
def _load_user(user_id: str) -> User | None:
    user = db.session.get(User, user_id)
    return user if user is not None and user.is_active else None


def init_app(app: Flask) -> None:
    """Register the admin blueprint(s)."""
    from app.admin import auth

    login_manager.login_view = "admin_auth.login"
    app.register_blueprint(auth.bp)
