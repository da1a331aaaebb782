"""The RQ worker: `flask --app wsgi worker [--burst] [--queue Q ...] [--processes N]`."""

from __future__ import annotations

import click
from flask import Flask, current_app

from jobs.worker import run_worker


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--queue", "queues", multiple=True, help="Queues to serve (default: all).")
@click.option("--processes", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes to run (one per core uses the machine).")
def worker(burst, queues, processes):
    """Run an RQ worker with this app preloaded (jobs run in-process, no fork per job)."""
    app = current_app._get_current_object()
    run_worker(app, list(queues) or list(app.config["RQ_QUEUES"]), burst=burst,
               processes=processes)


def init_app(app: Flask) -> None:
    """Register the command."""
    app.cli.add_command(worker)
