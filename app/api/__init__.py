"""The HTTP API surfaces and the pipeline they share."""

from __future__ import annotations

from flask import Flask

from app.extensions import csrf


def init_app(app: Flask) -> None:
    """Register each surface's blueprint; bearer-authenticated surfaces are exempt from CSRF."""
    # Importing the route packages declares their endpoints on the surfaces.
    from app.api import internal, mobile, surfaces, v1  # noqa: F401
    from app.services import cache_epoch

    cache_epoch.init_app(app)
    switched_off = [name for name in ("RATE_LIMIT_ENABLED", "IDEMPOTENCY_ENABLED")
                    if not app.config[name]]
    if switched_off and app.config["ENV_NAME"] == "production":
        app.logger.warning("%s off: partners' calls are not %s", " and ".join(switched_off),
                           "guarded as the API documents")

    for surface in surfaces.ALL:
        if surface.csrf_exempt:
            csrf.exempt(surface.bp)
        app.register_blueprint(surface.bp)
