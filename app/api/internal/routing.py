"""The operator console's inbound routing calls (`/api/internal/operator/routes`): route a
receiving address on a shared gateway to a partner, remove a route, and deliver one held
message to a chosen partner. Operators only."""

from __future__ import annotations

from pydantic import Field

from app.admin import presenters
from app.api.principal import Principal
from app.api.schemas import Strict
from app.api.surfaces import operator as surface
from app.services.messaging import routing

TAGS = ("Operators",)


class RouteCreate(Strict):
    gateway_id: str = Field(min_length=1, max_length=40,
                            description="A platform-shared live gateway.")
    address: str = Field(min_length=1, max_length=256, examples=["+15550001111"],
                         description="The receiving number or handle, as the channel writes it.")
    partner_id: str = Field(min_length=1, max_length=40)


class Deliver(Strict):
    partner_id: str = Field(min_length=1, max_length=40)


def _added(answer: dict) -> str:
    held = answer.get("delivered", 0)
    return (f"{answer['address']} now routes to {answer['partner_id']}; "
            f"{held} held message{'' if held == 1 else 's'} delivered.")


@surface.endpoint("/routes", "POST", summary="Route an address on a shared gateway",
                  tags=TAGS, body=RouteCreate, status=201, errors=("conflict",),
                  html=presenters.back(_added))
def add_route(principal: Principal, body: RouteCreate):
    """Inbound messages to this address go to this partner; the ones held for it are
    delivered now."""
    route, delivered = routing.add_route(body.gateway_id, body.address.strip(),
                                         body.partner_id.strip(), actor=principal.actor)
    return routing.route_to_api(route, delivered)


@surface.endpoint("/routes/<id>/delete", "POST", summary="Remove a route", tags=TAGS,
                  html=presenters.back(lambda a: f"Route for {a['address']} removed."))
def remove_route(principal: Principal, id: str):  # noqa: A002
    """Stop routing the address; its next inbound messages are held for the operator."""
    return {**routing.remove_route(id), "deleted": True}


@surface.endpoint("/unrouted/<id>/deliver", "POST", summary="Deliver a held inbound message",
                  tags=TAGS, body=Deliver, errors=("conflict",),
                  html=presenters.back(lambda a: f"Delivered to {a['partner_id']}."))
def deliver_unrouted(principal: Principal, body: Deliver, id: str):  # noqa: A002
    """Deliver one held message to this partner (for callbacks that name no receiving
    address, which no route can match)."""
    kept = routing.deliver_held(id, body.partner_id.strip())
    return {"id": kept.id, "object": "unrouted_inbound", "status": kept.status,
            "partner_id": kept.routed_partner_id, "message_id": kept.routed_message_id}
