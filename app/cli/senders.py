"""Operator commands for verified senders: `flask --app wsgi sender ...`.

A partner may send only as a `from` verified here for it (see `app.services.messaging.senders`).
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.errors import ApiError
from app.services.messaging import senders

sender_cli = AppGroup("sender", help="The `from` values each partner may send as.")


@sender_cli.command("add")
@click.option("--partner", "partner_id", required=True)
@click.option("--channel", required=True)
@click.argument("address")
def sender_add(partner_id, channel, address):
    """Verify ADDRESS (email address, number or sender name) for a partner on a channel."""
    try:
        sender = senders.add(partner_id, channel, address)
    except ApiError as exc:
        raise click.ClickException(exc.detail) from exc
    click.echo(f"{sender.id} {sender.channel} {sender.address}")


@sender_cli.command("remove")
@click.option("--partner", "partner_id", required=True)
@click.option("--channel", required=True)
@click.argument("address")
def sender_remove(partner_id, channel, address):
    """Withdraw a verified sender: sends from it are refused from now on."""
    if not senders.remove(partner_id, channel, address):
        raise click.ClickException(f"{address} is not a verified {channel} sender of "
                                   f"{partner_id}")
    click.echo(f"removed {channel} {address}")


@sender_cli.command("list")
@click.option("--partner", "partner_id", required=True)
def sender_list(partner_id):
    """A partner's verified senders."""
    for sender in senders.list_senders(partner_id):
        click.echo(f"{sender.id} {sender.channel} {sender.address}")


def init_app(app: Flask) -> None:
    """Register the `sender` command group."""
    app.cli.add_command(sender_cli)
