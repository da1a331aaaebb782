"""Upstream provider gateways (operators): `flask --app wsgi gateway add|list|enable|disable`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import select

from app.channels.gateways import adapter_for
from app.errors import ApiError
from app.extensions import db
from app.models import Gateway
from app.services.messaging import gateways

gateway_cli = AppGroup("gateway", help="Manage upstream provider gateways (operators).")


def _pairs(_ctx, _param, values):
    pairs = {}
    for value in values:
        key, sep, val = value.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{value!r} is not KEY=VALUE")
        pairs[key] = val
    return pairs


@gateway_cli.command("add")
@click.option("--channel", required=True)
@click.option("--provider", required=True, help="Wire format, e.g. twilio.")
@click.option("--name", required=True)
@click.option("--partner", "partner_id", help="A partner's own gateway; omit for shared.")
@click.option("--environment", type=click.Choice(["live"]), default="live", show_default=True)
@click.option("--base-url", help="Provider API base URL (default: the provider's own).")
@click.option("--credential", "credentials", multiple=True, callback=_pairs,
              help="KEY=VALUE, stored encrypted; VALUE may be env:VAR to read VAR at use.")
@click.option("--setting", "settings", multiple=True, callback=_pairs, help="KEY=VALUE.")
def gateway_add(channel, provider, name, partner_id, environment, base_url, credentials,
                settings):
    """Add a gateway; prints its id (credentials are never printed)."""
    try:
        adapter_for(provider)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    try:
        gateway = gateways.add_gateway(channel, provider, name, partner_id=partner_id,
                                       environment=environment, base_url=base_url,
                                       credentials=credentials, settings=settings)
    except ApiError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"{gateway.id} {gateway.channel} {gateway.provider} {gateway.environment}")
    click.echo(f"  callbacks: {current_app.config['APP_PUBLIC_URL'].rstrip('/')}"
               f"/hooks/{gateway.id}")


@gateway_cli.command("list")
def gateway_list():
    """List every gateway (credentials are never shown)."""
    for gateway in db.session.scalars(select(Gateway).order_by(Gateway.created_at)):
        owner = gateway.partner_id or "shared"
        click.echo(f"{gateway.id} {gateway.environment} {gateway.channel} {gateway.provider} "
                   f"{gateway.status} {owner} {gateway.name}")


def _set_gateway_status(gateway_id: str, status: str, done: str) -> None:
    try:
        found = gateways.set_status(gateway_id, status)
    except ApiError as exc:
        raise click.ClickException(exc.detail) from exc
    if found is None:
        raise click.ClickException(f"no gateway {gateway_id}")
    click.echo(f"{done} {gateway_id}")


@gateway_cli.command("disable")
@click.argument("gateway_id")
def gateway_disable(gateway_id):
    """Stop sending through a gateway."""
    _set_gateway_status(gateway_id, "disabled", "disabled")


@gateway_cli.command("enable")
@click.argument("gateway_id")
def gateway_enable(gateway_id):
    """Send through a gateway again."""
    _set_gateway_status(gateway_id, "active", "enabled")


def init_app(app: Flask) -> None:
    """Register the command group."""
    app.cli.add_command(gateway_cli)
