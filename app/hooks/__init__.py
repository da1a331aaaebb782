"""Provider callbacks: `POST /hooks/<gateway_id>` (status reports and inbound messages)."""

from __future__ import annotations

from flask import Blueprint, Flask, Response, request

from app.channels.gateways import Inbound, InvalidSignature, adapter_for
from app.errors import ApiError
from app.extensions import csrf, db
from app.models import Gateway
from app.services import callbacks, gateways

bp = Blueprint("hooks", __name__, url_prefix="/hooks")


@bp.post("/<gateway_id>")
def receive(gateway_id: str):
    """Verify the provider's signature, then apply every report or message in the callback."""
    gateway = db.session.get(Gateway, gateway_id)
    if gateway is None or gateway.provider == "sandbox":
        raise ApiError("not_found", f"No gateway {gateway_id} takes callbacks.")
    config = gateways.gateway_config(gateway)
    try:
        items = adapter_for(gateway.provider).parse_callback(request, config)
    except InvalidSignature:
        raise ApiError("invalid_signature") from None
    db.session.rollback()  # end the read; each item commits on its own
    for item in items:
        if isinstance(item, Inbound):
            callbacks.apply_inbound(gateway_id, item)
        else:
            callbacks.apply_status(gateway_id, item)
    return Response(status=204)


def init_app(app: Flask) -> None:
    """Register the callback endpoint; providers sign their calls, so no CSRF token."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
