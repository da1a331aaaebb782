"""Operator commands: `flask --app wsgi partner|key|user|demo|worker ...`."""

from __future__ import annotations

import json
import shlex
import uuid
from datetime import timedelta

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from app import cli_openapi, cli_platform, cli_webhooks, money
from app.services.tenancy import keys, partners, users

partner_cli = AppGroup("partner", help="Manage partners (tenants).")
key_cli = AppGroup("key", help="Manage access keys.")
user_cli = AppGroup("user", help="Manage logins.")
demo_cli = AppGroup("demo", help="Demo data.")


def _amount(_ctx, _param, value):
    if value is None:
        return 0
    try:
        micros = money.to_micros(value)
    except money.InvalidAmount as exc:
        raise click.BadParameter(str(exc)) from exc
    if micros < 0:
        raise click.BadParameter("must not be negative")
    return micros


@partner_cli.command("create")
@click.option("--name", required=True)
@click.option("--balance", callback=_amount, help="Opening live balance, e.g. 25.00")
@click.option("--sandbox-balance", callback=_amount, help="Sandbox play money, e.g. 100")
@click.option("--currency", default="USD", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def partner_create(name, balance, sandbox_balance, currency, as_json):
    """Create a partner with wallets and one key per environment (shown only now)."""
    result = partners.create_partner(name, balance, sandbox_balance, currency.upper())
    out = {"partner_id": result.partner.id, "live_key": result.live_key,
           "test_key": result.test_key}
    if as_json:
        click.echo(json.dumps(out))
    else:
        for label, value in out.items():
            click.echo(f"{label}: {value}")
        click.echo("Store the keys now: they are never shown again.")


@partner_cli.command("rate-limit")
@click.argument("partner_id")
@click.option("--live", type=click.IntRange(min=1), help="Requests per minute, live.")
@click.option("--sandbox", type=click.IntRange(min=1), help="Requests per minute, sandbox.")
@click.option("--reset", is_flag=True, help="Back to the configured defaults.")
def partner_rate_limit(partner_id, live, sandbox, reset):
    """Set a partner's own rate limits (requests per minute per environment)."""
    try:
        partner = partners.set_rate_limits(partner_id, live=live, sandbox=sandbox, reset=reset)
    except LookupError as exc:
        raise click.ClickException(str(exc)) from exc
    shown = {env: value or f"default ({current_app.config[name]})" for env, value, name in (
        ("live", partner.rate_limit_live, "RATE_LIMIT_LIVE"),
        ("sandbox", partner.rate_limit_sandbox, "RATE_LIMIT_SANDBOX"))}
    click.echo(f"{partner.id}: live {shown['live']}/min, sandbox {shown['sandbox']}/min")


@key_cli.command("create")
@click.option("--partner", "partner_id", required=True)
@click.option("--environment", type=click.Choice(["live", "sandbox"]), required=True)
@click.option("--name")
@click.option("--json", "as_json", is_flag=True)
def key_create(partner_id, environment, name, as_json):
    """Issue a new access key; prints the plaintext once."""
    from app.extensions import db
    from app.models import Partner

    if db.session.get(Partner, partner_id) is None:
        raise click.ClickException(f"no partner {partner_id}")
    issued = keys.create(partner_id, environment, name=name)
    db.session.commit()
    out = {"id": issued.record.id, "key": issued.plaintext, "environment": environment}
    click.echo(json.dumps(out) if as_json else f"{issued.record.id}: {issued.plaintext}")


@key_cli.command("revoke")
@click.argument("key_id")
def key_revoke(key_id):
    """Revoke a key at once."""
    if keys.revoke(key_id) is None:
        raise click.ClickException(f"no key {key_id}")
    click.echo(f"revoked {key_id}")


@key_cli.command("roll")
@click.argument("key_id")
@click.option("--overlap-hours", type=float, default=24.0, show_default=True)
def key_roll(key_id, overlap_hours):
    """Issue a replacement; the old key keeps working for the overlap."""
    from app.extensions import db
    from app.models import AccessKey

    old = db.session.get(AccessKey, key_id)
    issued = old and keys.roll(key_id, old.partner_id, timedelta(hours=overlap_hours))
    if not issued:
        raise click.ClickException(f"no usable key {key_id}")
    click.echo(f"{issued.record.id}: {issued.plaintext}")


@user_cli.command("create")
@click.option("--email", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
@click.option("--role", type=click.Choice(["operator", "admin", "agent"]), required=True)
@click.option("--partner", "partner_id")
@click.option("--name")
def user_create(email, password, role, partner_id, name):
    """Create a login."""
    try:
        user = users.create_user(email, password, role, partner_id=partner_id, name=name)
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{user.id} {user.email} ({user.role})")


@demo_cli.command("seed")
def demo_seed():
    """Create (once) the demo partner, logins, contacts, conversations and template."""
    from app.services.tenancy import demo

    result = demo.seed()
    base = current_app.config["APP_PUBLIC_URL"].rstrip("/")
    click.echo("Demo partner: " + result.partner_id + (" (created)" if result.created else ""))
    click.echo(f"  inbox {base}/admin/ (sign in with a login below)")
    for email, password in result.logins:
        click.echo(f"  login {email} / {password}")
    click.echo(f"  sandbox key {result.sandbox_key}")
    click.echo("Send the docs' first message, a WhatsApp template, in the sandbox "
               "(nothing leaves the platform):")
    click.echo(_curl(base + "/api/v1/messages", result.sandbox_key, demo.FIRST_SEND))


def _curl(url: str, key: str, body: dict) -> str:
    """A copy-pasteable POST of `body` as JSON with this key (and a fresh idempotency key)."""
    return (f"curl {shlex.quote(url)} \\\n"
            f"  -H {shlex.quote('Authorization: Bearer ' + key)} \\\n"
            "  -H 'Content-Type: application/json' \\\n"
            f"  -H 'Idempotency-Key: {uuid.uuid4()}' \\\n"
            f"  -d {shlex.quote(json.dumps(body))}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
@click.option("--queue", "queues", multiple=True, help="Queues to serve (default: all).")
@click.option("--processes", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Worker processes to run (one per core uses the machine).")
def worker(burst, queues, processes):
    """Run an RQ worker with this app preloaded (jobs run in-process, no fork per job)."""
    from jobs.worker import run_worker

    app = current_app._get_current_object()
    run_worker(app, list(queues) or list(app.config["RQ_QUEUES"]), burst=burst,
               processes=processes)


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
    from app.channels.gateways import adapter_for
    from app.errors import ApiError
    from app.services.messaging import gateways

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
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Gateway

    for gateway in db.session.scalars(select(Gateway).order_by(Gateway.created_at)):
        owner = gateway.partner_id or "shared"
        click.echo(f"{gateway.id} {gateway.environment} {gateway.channel} {gateway.provider} "
                   f"{gateway.status} {owner} {gateway.name}")


def _set_gateway_status(gateway_id: str, status: str, done: str) -> None:
    from app.services.messaging import gateways

    if gateways.set_status(gateway_id, status) is None:
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
    """Register the command groups."""
    for command in (partner_cli, key_cli, user_cli, demo_cli, gateway_cli, worker):
        app.cli.add_command(command)
    cli_webhooks.init_app(app)
    cli_openapi.init_app(app)
    cli_platform.init_app(app)
