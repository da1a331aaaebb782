"""Operator commands for secrets at rest: `flask --app wsgi secrets ...`.

Rotating the key of secrets at rest: put a new key in front of GATEWAY_CREDENTIALS_KEY
(`new,old`), restart, run `secrets rotate`, then remove the old key and restart again.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from app.services import rotation, secretbox

secrets_cli = AppGroup("secrets", help="Keys of the secrets stored encrypted.")


@secrets_cli.command("generate-key")
def generate_key():
    """Print a new random key for GATEWAY_CREDENTIALS_KEY."""
    click.echo(secretbox.generate_key())


@secrets_cli.command("rotate")
def rotate():
    """Re-encrypt gateway credentials, webhook secrets and stored responses under the newest key."""
    result = rotation.rotate_all()
    for label, count in result.rotated.items():
        click.echo(f"{label}: {count} re-encrypted")
    stuck = {label: ids for label, ids in result.undecryptable.items() if ids}
    for label, ids in stuck.items():
        click.echo(f"{label}: {len(ids)} decrypt with no configured key: {', '.join(ids)}",
                   err=True)
    if stuck:
        raise click.ClickException("some values could not be re-encrypted; keep the old key "
                                   "until they are fixed or deleted")
    click.echo("done: keys after the first one in GATEWAY_CREDENTIALS_KEY can be removed")


def init_app(app: Flask) -> None:
    """Register the `secrets` command group."""
    app.cli.add_command(secrets_cli)
