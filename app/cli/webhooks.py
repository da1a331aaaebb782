"""Operator commands for webhooks: `flask --app wsgi webhook ...`.

Registered by `app.cli.init_app` with the other command groups.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.errors import ApiError
from app.extensions import db
from app.models import Partner
from app.services.webhooks import endpoints as webhooks

webhook_cli = AppGroup("webhook", help="Webhook endpoints set by operators.")


@webhook_cli.command("set-platform-endpoint")
@click.option("--partner", "partner_id", required=True)
@click.option("--environment", type=click.Choice(["live", "sandbox"]), required=True)
@click.option("--url", required=True)
@click.option("--event-type", "event_types", multiple=True,
              help="Only these event types (repeatable); default: all.")
def set_platform_endpoint(partner_id, environment, url, event_types):
    """Create or repoint (and enable) a partner's platform-side endpoint.

    The signing secret is printed once, when the endpoint is created.
    """
    if db.session.get(Partner, partner_id) is None:
        raise click.ClickException(f"no partner {partner_id}")
    try:
        endpoint, secret = webhooks.set_platform_endpoint(partner_id, environment, url,
                                                          list(event_types))
    except ApiError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"{endpoint.id} {endpoint.environment} {endpoint.url} ({endpoint.status})")
    if secret:
        click.echo(f"  secret: {secret}")
        click.echo("  Store the secret now: it is never shown again.")


@webhook_cli.command("remove-platform-endpoint")
@click.option("--partner", "partner_id", required=True)
@click.option("--environment", type=click.Choice(["live", "sandbox"]), required=True)
def remove_platform_endpoint(partner_id, environment):
    """Delete a partner's platform-side endpoint and its delivery log."""
    removed = webhooks.remove_platform_endpoint(partner_id, environment)
    if removed is None:
        raise click.ClickException(f"no platform endpoint for {partner_id} in {environment}")
    click.echo(f"removed {removed}")


def init_app(app: Flask) -> None:
    """Register the `webhook` command group."""
    app.cli.add_command(webhook_cli)
