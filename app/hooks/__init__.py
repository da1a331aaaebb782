"""Provider callbacks: `/hooks/<gateway_id>` — status reports, inbound messages, handshakes.

Before any lookup or signature check, a client IP is limited per minute (IP_RATE_LIMIT),
and one whose signatures keep failing is refused for a while (AUTH_FAILURE_RATE_LIMIT).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, Flask, Response, request

from app.api import ratelimit
from app.channels.gateways import Inbound, InvalidSignature, adapter_for
from app.errors import ApiError
from app.extensions import csrf, db
from app.models import Gateway
from app.services.messaging import callbacks, gateways

bp = Blueprint("hooks", __name__, url_prefix="/hooks")


SCOPE = "hooks"


def _gateway(gateway_id: str) -> Gateway:
    ratelimit.guard_ip(SCOPE, request.remote_addr)
    gateway = db.session.get(Gateway, gateway_id)
    if gateway is None or gateway.provider == "sandbox":
        ratelimit.note_refusal(SCOPE, request.remote_addr)  # probing for gateway ids
        raise ApiError("not_found", f"No gateway {gateway_id} takes callbacks.")
    return gateway


@bp.post("/<gateway_id>")
def receive(gateway_id: str):
    """Verify the provider's signature, then apply every report or message in the callback."""
    gateway = _gateway(gateway_id)
    handshake = _handshake(gateway)
    if handshake is not None:  # e.g. RBM's webhook registration
        return handshake
    try:
        items = adapter_for(gateway.provider).parse_callback(request,
                                                             gateways.gateway_config(gateway))
    except InvalidSignature:
        ratelimit.note_refusal(SCOPE, request.remote_addr)
        raise ApiError("invalid_signature") from None
    except RecursionError:  # JSON nested past the parser's depth (no provider sends that)
        raise ApiError("invalid_json", "The body nests deeper than JSON is read.") from None
    db.session.rollback()  # end the read; each item commits on its own
    for item in items:
        if isinstance(item, Inbound):
            # The raw body is kept only when a shared gateway cannot route the message.
            callbacks.apply_inbound(gateway_id, item, raw_payload=_raw_payload())
        else:
            callbacks.apply_status(gateway_id, item)
    # 200, not 204: Meta and LINE verify webhooks by a 200 answer; the rest take any 2xx.
    return Response(status=200)


def _raw_payload() -> str:
    """The callback's body as the provider sent it (a parsed form is encoded back)."""
    body = request.get_data(cache=True, as_text=True)
    if not body and request.form:
        body = urlencode(list(request.form.items(multi=True)))
    return body


@bp.get("/<gateway_id>")
def verify(gateway_id: str):
    """Answer a provider's subscription handshake (Meta's `hub.challenge`)."""
    handshake = _handshake(_gateway(gateway_id))
    if handshake is None:
        raise ApiError("not_found", f"Gateway {gateway_id} has no subscription handshake.")
    return handshake


def _handshake(gateway: Gateway) -> Response | None:
    """The provider's subscription handshake answered as it expects (200, text), or None."""
    verify_subscription = getattr(adapter_for(gateway.provider), "verify_subscription", None)
    if verify_subscription is None:
        return None
    try:
        answer = verify_subscription(request, gateways.gateway_config(gateway))
    except InvalidSignature:
        ratelimit.note_refusal(SCOPE, request.remote_addr)
        raise ApiError("invalid_signature") from None
    if answer is None:
        return None
    return Response(answer, status=200, mimetype="text/plain")


def init_app(app: Flask) -> None:
    """Register the callback endpoints; providers sign their calls, so no CSRF token."""
    csrf.exempt(bp)
    app.register_blueprint(bp)
