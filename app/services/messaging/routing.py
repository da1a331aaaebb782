"""Inbound routing on platform-shared gateways: the receiving address names the partner.

A partner's own gateway delivers every inbound message to that partner. A shared gateway
(`partner_id` NULL) receives for many partners, so each inbound message is routed by the
number or handle it was sent to (`Inbound.to_address`) through `InboundRoute` rows that
operators manage (CLI `flask routing`, the operator console). An inbound message no route
names is never dropped: it is kept as an `UnroutedInbound` with the provider's raw payload,
and delivered to the partner, exactly once, when a route for its address is added.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.channels import ChannelValidationError
from app.channels.gateways import Inbound
from app.errors import ApiError
from app.extensions import db
from app.models import Gateway, InboundRoute, UnroutedInbound
from app.models.base import isoformat, utcnow
from app.services import tx
from app.services.inbox import contacts
from app.services.messaging import inbound as inbound_messages
from app.services.messaging.gateways import SANDBOX_PROVIDER
from app.services.tenancy import partners

RAW_PAYLOAD_MAX = 64 * 1024  # characters of a provider's body kept for the operator


def receiving_address(channel: str, address: str | None) -> str | None:
    """An address as routes store it (E.164, lower-case email, trimmed id), or None."""
    if address is None or not str(address).strip():
        return None
    try:
        return contacts.normalise_address(channel, address)
    except ChannelValidationError:
        return str(address).strip()[:256]


def route_for(gateway: Gateway, to_address: str | None) -> InboundRoute | None:
    """The route of the address an inbound message on a shared gateway was sent to."""
    address = receiving_address(gateway.channel, to_address)
    if address is None:
        return None
    return db.session.scalar(select(InboundRoute).where(
        InboundRoute.gateway_id == gateway.id, InboundRoute.address == address))


def route_or_hold(gateway: Gateway, inbound: Inbound, raw_payload: str) -> InboundRoute | None:
    """The route of an inbound message on a shared gateway, or None once it is held.

    Holding takes the gateway's row lock, as adding a route does: a route added while the
    message arrives either is seen here or finds the held message to deliver, never neither.
    """
    route = route_for(gateway, inbound.to_address)
    if route is not None:
        return route
    db.session.execute(select(Gateway.id).where(Gateway.id == gateway.id).with_for_update())
    route = route_for(gateway, inbound.to_address)
    if route is None:
        hold(gateway, inbound, raw_payload)
    return route


def hold(gateway: Gateway, inbound: Inbound, raw_payload: str) -> UnroutedInbound:
    """Keep an inbound message no route names, for the operator (a provider's retry of the
    same message is kept once)."""
    if inbound.provider_message_id:
        kept = db.session.scalar(select(UnroutedInbound).where(
            UnroutedInbound.gateway_id == gateway.id,
            UnroutedInbound.provider_message_id == inbound.provider_message_id))
        if kept is not None:
            tx.commit()
            return kept
    kept = UnroutedInbound(
        gateway_id=gateway.id, channel=inbound.channel,
        to_address=receiving_address(gateway.channel, inbound.to_address),
        from_address=inbound.from_address[:256], text=inbound.text,
        name=(inbound.name or None) and inbound.name[:200],
        provider_message_id=inbound.provider_message_id, occurred_at=inbound.occurred_at,
        raw_payload=(raw_payload or "")[:RAW_PAYLOAD_MAX])
    db.session.add(kept)
    tx.commit()
    return kept


def add_route(gateway_id: str, address: str, partner_id: str,
              actor: str | None = None) -> tuple[InboundRoute, int]:
    """Route `address` on a shared gateway to a partner; deliver what was held for it.

    Returns the route and how many held messages it delivered, in the same transaction.
    """
    with tx.unit_of_work():
        # The row lock orders this against inbound messages being held (`route_or_hold`).
        gateway = db.session.get(Gateway, gateway_id, with_for_update=True)
        if gateway is None:
            raise ApiError("not_found", f"No gateway {gateway_id}.", param="gateway_id")
        if gateway.partner_id is not None or gateway.provider == SANDBOX_PROVIDER:
            raise ApiError("invalid_field", "Routes are for the platform's shared live "
                           "gateways; a partner's own gateway delivers to that partner.",
                           param="gateway_id")
        partner = partners.get(partner_id)
        normalised = contacts.normalise_address(gateway.channel, address, param="address")
        taken = db.session.scalar(select(InboundRoute).where(
            InboundRoute.gateway_id == gateway.id, InboundRoute.address == normalised))
        if taken is not None:
            raise ApiError("conflict", f"{normalised} on {gateway.id} already routes to "
                           f"{taken.partner_id}; remove that route first.", param="address")
        route = InboundRoute(gateway_id=gateway.id, address=normalised, partner_id=partner.id,
                             environment=gateway.environment, channel=gateway.channel,
                             created_by=actor)
        db.session.add(route)
        try:
            db.session.flush()
        except IntegrityError:  # added at the same moment by another operator
            raise ApiError("conflict", f"{normalised} on {gateway.id} already has a route.",
                           param="address") from None
        delivered = _deliver_held(route)
    return route, delivered


def _deliver_held(route: InboundRoute) -> int:
    held = db.session.scalars(select(UnroutedInbound).where(
        UnroutedInbound.gateway_id == route.gateway_id,
        UnroutedInbound.to_address == route.address, UnroutedInbound.status == "pending")
        .order_by(UnroutedInbound.received_at, UnroutedInbound.id).with_for_update()).all()
    for kept in held:
        message = inbound_messages.receive(route.partner_id, route.environment,
                                           kept.gateway_id, _inbound(kept))
        kept.status, kept.routed_at = "routed", utcnow()
        kept.routed_partner_id, kept.routed_message_id = route.partner_id, message.id
    tx.commit()
    return len(held)


def deliver_held(unrouted_id: str, partner_id: str) -> UnroutedInbound:
    """Deliver one held message to a partner the operator chose (for providers whose
    callbacks name no receiving address, so no route can match them)."""
    with tx.unit_of_work():
        kept = db.session.get(UnroutedInbound, unrouted_id, with_for_update=True)
        if kept is None:
            raise ApiError("not_found", f"No held inbound message {unrouted_id}.", param="id")
        if kept.status != "pending":
            raise ApiError("conflict", f"{unrouted_id} was already delivered to "
                           f"{kept.routed_partner_id}.")
        partner = partners.get(partner_id)
        gateway = db.session.get(Gateway, kept.gateway_id)
        message = inbound_messages.receive(partner.id, gateway.environment, kept.gateway_id,
                                           _inbound(kept))
        kept.status, kept.routed_at = "routed", utcnow()
        kept.routed_partner_id, kept.routed_message_id = partner.id, message.id
        tx.commit()
    return kept


def _inbound(kept: UnroutedInbound) -> Inbound:
    return Inbound(channel=kept.channel, from_address=kept.from_address,
                   to_address=kept.to_address, text=kept.text,
                   provider_message_id=kept.provider_message_id,
                   occurred_at=kept.occurred_at, name=kept.name)


def remove_route(route_id: str) -> dict:
    """Stop routing an address (its later inbound messages are held again); the route."""
    route = db.session.get(InboundRoute, route_id)
    if route is None:
        raise ApiError("not_found", f"No route {route_id}.", param="id")
    removed = route_to_api(route)
    db.session.delete(route)
    tx.commit()
    return removed


def list_routes(gateway_id: str | None = None) -> list[InboundRoute]:
    """Every route (of one gateway), by gateway then address."""
    statement = select(InboundRoute).order_by(InboundRoute.gateway_id, InboundRoute.address)
    if gateway_id:
        statement = statement.where(InboundRoute.gateway_id == gateway_id)
    return list(db.session.scalars(statement))


def list_unrouted(status: str = "pending", limit: int = 100) -> list[UnroutedInbound]:
    """Held inbound messages, newest first."""
    return list(db.session.scalars(
        select(UnroutedInbound).where(UnroutedInbound.status == status)
        .order_by(UnroutedInbound.received_at.desc(), UnroutedInbound.id.desc()).limit(limit)))


def shared_gateways() -> list[Gateway]:
    """The gateways routes may name: the platform's shared live ones."""
    return list(db.session.scalars(select(Gateway).where(
        Gateway.partner_id.is_(None), Gateway.provider != SANDBOX_PROVIDER)
        .order_by(Gateway.channel, Gateway.name)))


def route_to_api(route: InboundRoute, delivered: int | None = None) -> dict:
    """A route as the operator API answers it."""
    answer = {"id": route.id, "object": "inbound_route", "gateway": route.gateway_id,
              "address": route.address, "partner_id": route.partner_id,
              "environment": route.environment, "channel": route.channel,
              "created_at": isoformat(route.created_at)}
    if delivered is not None:
        answer["delivered"] = delivered
    return answer
