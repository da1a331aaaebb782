"""`GET /api/v1/openapi.json`: the machine-readable contract of this surface."""

from __future__ import annotations

from flask import current_app, jsonify

from app.api import openapi
from app.api.surfaces import v1 as surface


@surface.bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 document, public so tools can read it without a key."""
    document = current_app.extensions.get("openapi_v1")
    if document is None:
        document = openapi.build(surface, title="Switchboard API", version="1.0.0",
                                 server_url=current_app.config["APP_PUBLIC_URL"].rstrip("/"))
        current_app.extensions["openapi_v1"] = document
    return jsonify(document)
