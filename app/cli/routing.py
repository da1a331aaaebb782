"""Operator commands for inbound routing on shared gateways: `flask --app wsgi routing ...`.

A shared gateway receives for many partners; a route names the partner of one receiving
number or handle (see `app.services.messaging.routing`).
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.errors import ApiError
from app.models.base import isoformat
from app.services.messaging import routing

routing_cli = AppGroup("routing", help="Which partner each address on a shared gateway "
                                       "belongs to, and inbound messages no route names.")


@routing_cli.command("add")
@click.option("--gateway", "gateway_id", required=True, help="A shared gateway's id.")
@click.option("--partner", "partner_id", required=True)
@click.argument("address")
def routing_add(gateway_id, partner_id, address):
    """Route ADDRESS (the receiving number or handle) to a partner; deliver what was held."""
    try:
        route, delivered = routing.add_route(gateway_id, address, partner_id, actor="cli")
    except ApiError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"{route.id} {route.gateway_id} {route.address} -> {route.partner_id} "
               f"({route.environment}, {route.channel}); delivered {delivered} held "
               f"message{'' if delivered == 1 else 's'}")


@routing_cli.command("list")
@click.option("--gateway", "gateway_id", default=None, help="Only this gateway's routes.")
def routing_list(gateway_id):
    """Every route: id, gateway, address, partner, environment, channel."""
    for route in routing.list_routes(gateway_id):
        click.echo(f"{route.id} {route.gateway_id} {route.address} -> {route.partner_id} "
                   f"{route.environment} {route.channel}")


@routing_cli.command("remove")
@click.argument("route_id")
def routing_remove(route_id):
    """Stop routing an address; its next inbound messages are held for the operator."""
    try:
        removed = routing.remove_route(route_id)
    except ApiError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"removed {removed['id']} {removed['gateway']} {removed['address']}")


@routing_cli.command("unrouted")
def routing_unrouted():
    """Inbound messages held because no route named their receiving address."""
    for kept in routing.list_unrouted():
        click.echo(f"{kept.id} {isoformat(kept.received_at)} {kept.gateway_id} "
                   f"to={kept.to_address or '?'} from={kept.from_address}")


@routing_cli.command("deliver")
@click.option("--partner", "partner_id", required=True)
@click.argument("unrouted_id")
def routing_deliver(partner_id, unrouted_id):
    """Deliver one held message to a partner (its callback named no receiving address)."""
    try:
        kept = routing.deliver_held(unrouted_id, partner_id)
    except ApiError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"{kept.id} delivered to {kept.routed_partner_id} as {kept.routed_message_id}")


def init_app(app: Flask) -> None:
    """Register the `routing` command group."""
    app.cli.add_command(routing_cli)
