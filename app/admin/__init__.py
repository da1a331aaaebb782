"""The server-rendered admin UI (Jinja2 + HTMX): sign-in, the agents' inbox, the partner
admins' console, the operator console, the public evaluation form, and the security headers
every page carries."""

from __future__ import annotations

import uuid

from flask import Flask, Response, redirect, request, url_for
from flask_login import current_user

from app.admin import (
    audit,
    auth,
    evaluation,
    inbox,
    keys,
    library,
    operator,
    platform,
    progress,
    team,
    usage,
    wallet,
    webhooks,
)
from app.extensions import csrf, db, login_manager
from app.models import User

# Scripts and styles only from our own origin (no inline code, no eval), no framing.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; object-src 'none'; "
    "frame-ancestors 'none'"
)


@login_manager.user_loader
def _load_user(session_id: str) -> User | None:
    """The session's user while its session version is current (`User.get_id`)."""
    user_id, _, version = session_id.partition(":")
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or version != str(user.session_version):
        return None
    return user


def init_app(app: Flask) -> None:
    """Register the admin blueprints, the front door and the security headers."""
    login_manager.login_view = "admin_auth.login"
    app.register_blueprint(auth.bp)
    for module in (inbox, keys, webhooks, wallet, usage, audit, team, library, progress,
                   operator, platform, evaluation):
        app.register_blueprint(module.bp)
    csrf.exempt(evaluation.bp)  # a public intake the docs site's static form posts to
    app.add_url_rule("/", "front_door", _front_door)
    # A fresh idempotency key for each form a page renders (a resubmit reuses its own).
    app.jinja_env.globals["uuid"] = lambda: uuid.uuid4().hex
    app.after_request(_security_headers)


def _front_door() -> Response:
    """`/`: the inbox (operators: their console) when signed in, the sign-in page otherwise."""
    if current_user.is_authenticated:
        return redirect(url_for("admin_inbox.index" if current_user.partner_id
                                else "admin_operator.index"))
    return redirect(url_for("admin_auth.login"))


def _security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html" or request.path == "/" or request.path.startswith(
            "/admin"):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Frame-Options", "DENY")
    return response
