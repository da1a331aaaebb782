"""The HTTP API surfaces and the pipeline they share."""

from __future__ import annotations

from flask import Flask

from app.extensions import csrf


def init_app(app: Flask) -> None:
    """Register the API blueprints; bearer-authenticated surfaces are exempt from CSRF."""
    from app.api import internal, mobile, v1

    v1.load_routes()
    csrf.exempt(v1.bp)
    app.register_blueprint(v1.bp)
    for surface in (mobile, internal):  # mobile: CSRF-exempt; internal: session + CSRF
        surface.init_app(app)
