"""`flask --app wsgi openapi v1`: print a surface's OpenAPI document (what `make client`
generates the Python client from). Registered by `app.cli.init_app`."""

from __future__ import annotations

import json

import click
from flask import Flask

from app.api import openapi, surfaces

TITLES = {"v1": "Switchboard API", "mobile": "Switchboard mobile API",
          "internal": "Switchboard internal API"}
DOCUMENT_PATHS = {"v1": "/api/v1/openapi.json"}


def document(name: str) -> dict:
    """The OpenAPI document of one surface, as the app serves it to a non-browser client."""
    surface = {"v1": surfaces.v1, "mobile": surfaces.mobile, "internal": surfaces.internal}[name]
    return openapi.build(surface, title=TITLES[name], version="1.0.0",
                         document_path=DOCUMENT_PATHS.get(name))


@click.command("openapi")
@click.argument("surface", type=click.Choice(sorted(TITLES)), default="v1")
@click.option("--output", type=click.File("w"), default="-", help="Write here (default stdout).")
def openapi_command(surface, output):
    """Print the OpenAPI document of a surface."""
    json.dump(document(surface), output, indent=2, sort_keys=False)
    output.write("\n")


def init_app(app: Flask) -> None:
    """Register the command."""
    app.cli.add_command(openapi_command)
