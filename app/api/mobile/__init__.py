"""The agents' mobile app API, `/api/mobile`: the same pipeline as `/api/v1`, token auth."""

from __future__ import annotations

from flask import Blueprint, Flask

from app.api.mobile_auth import authenticate_mobile_token
from app.api.pipeline import Surface
from app.extensions import csrf

bp = Blueprint("api_mobile", __name__, url_prefix="/api/mobile")
surface = Surface("mobile", authenticate_mobile_token)


def load_routes() -> None:
    """Import the resource modules, which declare their endpoints on `surface` (and `bp`)."""
    from app.api.mobile import auth, conversations, push_tokens  # noqa: F401


def init_app(app: Flask) -> None:
    """Declare the routes and register the blueprint, exempt from CSRF (bearer tokens)."""
    load_routes()
    csrf.exempt(bp)
    app.register_blueprint(bp)
