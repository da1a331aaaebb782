"""Operator commands for evaluation requests: `flask --app wsgi evaluation list|approve|reject`.

The same services as the operator console: approving provisions the partner and emails the
requester their sandbox key and next steps through the platform's email gateway.
"""

from __future__ import annotations

import json

import click
from flask import Flask
from flask.cli import AppGroup

from app.errors import ApiError
from app.services.tenancy import evaluations

evaluation_cli = AppGroup("evaluation", help="Evaluation requests from the public form.")


@evaluation_cli.command("list")
@click.option("--status", type=click.Choice(["pending", "approved", "rejected", "all"]),
              default="pending", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
def evaluation_list(status, as_json):
    """List requests, newest first."""
    for found in evaluations.list_requests(None if status == "all" else status):
        row = {"id": found.id, "status": found.status, "company": found.company,
               "name": found.name, "email": found.email, "channels": found.channels,
               "monthly_volume": found.monthly_volume, "partner_id": found.partner_id}
        if as_json:
            click.echo(json.dumps(row))
        else:
            click.echo(f"{found.id}  {found.status:8}  {found.company} <{found.email}>  "
                       f"{', '.join(found.channels)}  {found.monthly_volume}")


def _decide(action, *args):
    try:
        return action(*args)
    except ApiError as refused:
        raise click.ClickException(refused.detail) from None


@evaluation_cli.command("approve")
@click.argument("evaluation_id")
def evaluation_approve(evaluation_id):
    """Provision the partner (sandbox wallet and key, first admin) and email the requester."""
    found = _decide(evaluations.approve, evaluation_id, "cli")
    click.echo(f"{found.id} approved: partner {found.partner_id}; the welcome email with the "
               f"sandbox key went to {found.email}.")


@evaluation_cli.command("reject")
@click.argument("evaluation_id")
@click.option("--reason", required=True, help="Sent to the requester.")
def evaluation_reject(evaluation_id, reason):
    """Decline a request; the requester receives the reason by email."""
    found = _decide(evaluations.reject, evaluation_id, reason, "cli")
    click.echo(f"{found.id} rejected; {found.email} was told why.")


def init_app(app: Flask) -> None:
    """Register the `evaluation` command group."""
    app.cli.add_command(evaluation_cli)
