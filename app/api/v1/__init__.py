"""The partner REST API, `/api/v1`."""

from __future__ import annotations

from flask import Blueprint

from app.api.auth import authenticate_api_key
from app.api.pipeline import Surface

bp = Blueprint("api_v1", __name__, url_prefix="/api/v1")
surface = Surface("v1", authenticate_api_key)


def load_routes() -> None:
    """Import the resource modules, which declare their endpoints on `surface`."""
    from app.api.v1 import (  # noqa: F401
        channels,
        contacts,
        conversations,
        events,
        gateways,
        messages,
        meta,
        templates,
        usage,
        wallet,
        webhook_endpoints,
    )
