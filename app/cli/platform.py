"""The local platform's commands: `flask --app wsgi platform run|stop` (`make run`, `make stop`).

Registered by `app.cli.init_app` with the other command groups.
"""

from __future__ import annotations

import os

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app import supervisor

platform_cli = AppGroup("platform", help="Run the local platform: embedded Redis, web, worker.")


@platform_cli.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
def platform_run(host, port):
    """Serve web and worker on one embedded Redis until Ctrl-C; stop everything then."""
    app = current_app._get_current_object()
    try:
        code = supervisor.run(app.instance_path, host, port, app.config["REDIS_URL"],
                              os.path.dirname(app.root_path),
                              echo=lambda text: click.echo(text))
    except supervisor.Refusal as refusal:
        click.echo(str(refusal), err=True)
        code = 1
    raise SystemExit(code)


@platform_cli.command("stop")
def platform_stop():
    """Stop the platform running on this instance folder, and any Redis a crash left."""
    supervisor.stop(current_app.instance_path, echo=lambda text: click.echo(text))


def init_app(app: Flask) -> None:
    """Register the `platform` command group."""
    app.cli.add_command(platform_cli)
