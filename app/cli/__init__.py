"""Operator commands, one module per group: `flask --app wsgi <group> <command> ...`."""

from __future__ import annotations

from flask import Flask

from app.cli import (
    backup,
    evaluations,
    gateways,
    openapi,
    platform,
    routing,
    secrets,
    senders,
    tenancy,
    webhooks,
    worker,
)


def init_app(app: Flask) -> None:
    """Register every command group."""
    for module in (tenancy, gateways, worker, webhooks, platform, senders, secrets, evaluations,
                   openapi, backup, routing):
        module.init_app(app)
