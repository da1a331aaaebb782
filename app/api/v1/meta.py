"""`GET /api/v1/openapi.json`: the machine-readable contract of this surface."""

from __future__ import annotations

from flask import current_app, jsonify

from app.api import openapi
from app.api.surfaces import v1 as surface


@surface.bp.get("/openapi.json")
def openapi_document():
    """The OpenAPI 3.1 document, public so tools can read it without a key."""
    # One document per server URL: in development that is the host that asked.
    cache = current_app.extensions.setdefault("openapi_v1", {})
    url = openapi.public_url()
    if url not in cache:
        cache[url] = openapi.build(surface, title="Switchboard API", version="1.0.0",
                                   server_url=url)
    return jsonify(cache[url])
