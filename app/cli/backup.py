"""Backups: `flask --app wsgi db backup PATH` and `flask --app wsgi db restore PATH`.

The two commands join Flask-Migrate's `db` group (beside `db upgrade`), which
`app.extensions.migrate` has already put on `app.cli`. docs/operations.md says what a backup
holds and how to restore one.
"""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from flask_migrate.cli import db as db_group

from app.services import backup


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(backup.FORMATS), default="custom",
              show_default=True, help="PostgreSQL: pg_dump's custom archive or plain SQL.")
@with_appcontext
def backup_command(path: str, fmt: str) -> None:
    """Copy the database to PATH while the app runs (SQLite: online backup; PostgreSQL:
    pg_dump)."""
    try:
        what = backup.backup(path, fmt)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Backed up the {what} to {path}.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True,
              help="Replace the contents of a database that already has tables.")
@with_appcontext
def restore_command(path: str, force: bool) -> None:
    """Load the backup at PATH into the configured database (stop web and workers first)."""
    try:
        what = backup.restore(path, force=force)
    except backup.BackupError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Restored {path} into the {what}.")


def init_app(app: Flask) -> None:
    """Add `backup` and `restore` to Flask-Migrate's `db` group."""
    for command in (backup_command, restore_command):
        db_group.add_command(command)
