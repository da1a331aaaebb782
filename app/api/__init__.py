"""The HTTP API surfaces and the pipeline they share."""

from __future__ import annotations

from flask import Flask

from app.extensions import csrf


def init_app(app: Flask) -> None:
    """Register each surface's blueprint; bearer-authenticated surfaces are exempt from CSRF."""
    # Importing the route packages declares their endpoints on the surfaces.
    from app.api import internal, mobile, surfaces, v1  # noqa: F401

    for surface in surfaces.ALL:
        if surface.csrf_exempt:
            csrf.exempt(surface.bp)
        app.register_blueprint(surface.bp)
