"""Gateways: the provider accounts messages leave through, and which one a send uses.

A gateway is either a partner's own (`partner_id` set) or shared by the platform
(`partner_id` NULL), and belongs to one environment. The sandbox environment always uses
the in-process sandbox simulator: one platform-shared row per channel, created on demand by
`ensure_sandbox_gateways()`. Credentials are stored Fernet-encrypted and leave this module
only through `decrypt_credentials()`; `gateway_to_api()` never shows them nor `base_url`.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from ulid import ULID

from app.channels import registry
from app.errors import ApiError
from app.extensions import db
from app.models import ENVIRONMENTS, Gateway
from app.models.base import isoformat
from app.services import secretbox, tx
from app.services.pagination import Page, paginate

SANDBOX_PROVIDER = "sandbox"
SANDBOX_NAME = "Sandbox simulator"
STATUSES = ("active", "disabled")


class CredentialsError(Exception):
    """Stored credentials cannot be decrypted with the configured keys."""


# --- credentials ------------------------------------------------------------------------------


def encrypt_credentials(credentials: dict) -> str:
    """Encrypt a credentials mapping for `Gateway.credentials_encrypted`."""
    plaintext = json.dumps(credentials, sort_keys=True, separators=(",", ":")).encode()
    return secretbox.seal(plaintext).decode("ascii")


def _stored_credentials(gateway: Gateway) -> dict:
    """A gateway's credentials as stored (decrypted, `env:` references unresolved)."""
    if not gateway.credentials_encrypted:
        return {}
    try:
        return json.loads(secretbox.open_(gateway.credentials_encrypted.encode("ascii")))
    except secretbox.InvalidToken:
        raise CredentialsError(
            f"credentials of gateway {gateway.id} do not decrypt with the configured key; "
            "was SECRET_KEY or GATEWAY_CREDENTIALS_KEY changed?") from None


def decrypt_credentials(gateway: Gateway) -> dict:
    """Return a gateway's credentials in clear (empty when it has none), for its adapter only.

    A value written `env:NAME` is a reference: it is read from the environment variable NAME
    at use time, so a secret can stay in the deployment's secret store.
    """
    credentials = _stored_credentials(gateway)
    for key, value in credentials.items():
        if isinstance(value, str):
            try:
                credentials[key] = secretbox.resolve(value)
            except secretbox.UnsetReference as unset:
                raise CredentialsError(f"gateway {gateway.id}: {key} refers to the unset "
                                       f"environment variable {unset}") from None
    return credentials


def gateway_config(gateway: Gateway):
    """What an adapter needs to know about a gateway, credentials resolved."""
    from app.channels.gateways import GatewayConfig

    return GatewayConfig(gateway.id, gateway.provider, gateway.channel, gateway.environment,
                         gateway.base_url, decrypt_credentials(gateway),
                         dict(gateway.settings or {}))


def _require_callback_secrets(provider: str, credentials: dict) -> None:
    """Refuse a gateway whose callbacks could not be authenticated (a secret missing or empty).

    An `env:` reference counts only when its variable is set to something non-empty now:
    an empty HMAC key would let anyone forge inbound messages and failure reports.
    """
    from app.channels.gateways import adapter_for

    try:
        adapter = adapter_for(provider)
    except LookupError:
        raise ApiError("invalid_field", f"No adapter speaks {provider!r}.",
                       param="provider") from None
    missing = []
    for name in getattr(adapter, "callback_secrets", ()):
        value = credentials.get(name)
        try:
            resolved = secretbox.resolve(value) if isinstance(value, str) else value
        except secretbox.UnsetReference:
            resolved = None
        if not resolved:
            missing.append(name)
    if missing:
        raise ApiError("invalid_field",
                       f"A {provider} gateway needs a non-empty {', '.join(missing)} to "
                       "verify its callbacks.", param="credentials")


def set_status(gateway_id: str, status: str) -> Gateway | None:
    """Enable or disable a gateway (operators); None when there is no such gateway.

    Enabling checks the callback secrets again: an `env:` variable may have been emptied.
    """
    if status not in STATUSES:
        raise ValueError(f"status must be one of {STATUSES}")
    gateway = db.session.get(Gateway, gateway_id)
    if gateway is None:
        return None
    if status == "active" and gateway.provider != SANDBOX_PROVIDER:
        try:
            credentials = _stored_credentials(gateway)
        except CredentialsError as exc:
            raise ApiError("invalid_field", str(exc), param="credentials") from None
        _require_callback_secrets(gateway.provider, credentials)
    gateway.status = status
    tx.commit()
    return gateway


# --- the sandbox simulator --------------------------------------------------------------------


def sandbox_gateway_id(channel: str) -> str:
    """The fixed id of the sandbox gateway of a channel.

    Derived from the channel name, so two processes creating the row at once collide on the
    primary key instead of both inserting one (the table has no other unique key).
    """
    randomness = hashlib.sha256(f"sandbox-gateway:{channel}".encode()).digest()[:10]
    return f"gw_{ULID.from_bytes(bytes(6) + randomness)}"


def _ensure_sandbox_rows() -> dict[str, Gateway]:
    """Create any missing sandbox gateway rows (flushed, not committed); return them by channel."""
    ids = {channel.name: sandbox_gateway_id(channel.name) for channel in registry.all_channels()}
    found = {gateway.channel: gateway for gateway in db.session.scalars(
        select(Gateway).where(Gateway.id.in_(ids.values())))}
    for name, gateway_id in ids.items():
        if name in found:
            continue
        gateway = Gateway(id=gateway_id, partner_id=None, environment="sandbox", channel=name,
                          provider=SANDBOX_PROVIDER, name=SANDBOX_NAME, settings={},
                          status="active")
        try:
            with db.session.begin_nested():
                db.session.add(gateway)
                db.session.flush()
        except IntegrityError:
            # Another process created it between our read and our insert: use theirs.
            gateway = db.session.get(Gateway, gateway_id)
        found[name] = gateway
    return found


def ensure_sandbox_gateways() -> list[Gateway]:
    """Create the platform-shared sandbox gateways, one per channel, if missing (idempotent)."""
    rows = _ensure_sandbox_rows()
    tx.commit()
    return [rows[channel.name] for channel in registry.all_channels()]


# --- operators: adding gateways ---------------------------------------------------------------


def add_gateway(channel: str, provider: str, name: str, *, partner_id: str | None = None,
                environment: str = "live", base_url: str | None = None,
                credentials: dict | None = None, settings: dict | None = None,
                status: str = "active") -> Gateway:
    """Add a provider account for a channel: a partner's own, or platform-shared when no partner.

    The sandbox environment cannot get one: it always sends through the sandbox simulator,
    so no sandbox message can ever reach a real provider. Every secret the provider's
    callbacks are verified with must be given and non-empty.
    """
    if registry.get(channel) is None:
        raise ApiError("unknown_channel", f"{channel!r} is not one of the eleven channels.",
                       param="channel")
    if environment not in ENVIRONMENTS:
        raise ApiError("invalid_field", "`environment` is `live` or `sandbox`.",
                       param="environment")
    if environment == "sandbox" or provider == SANDBOX_PROVIDER:
        raise ApiError("invalid_field", "Sandbox traffic always uses the built-in sandbox "
                       "simulator; gateways are added to the live environment only.",
                       param="environment" if environment == "sandbox" else "provider")
    if status not in STATUSES:
        raise ApiError("invalid_field", "`status` is `active` or `disabled`.", param="status")
    _require_callback_secrets(provider, dict(credentials or {}))
    gateway = Gateway(
        partner_id=partner_id, environment=environment, channel=channel, provider=provider,
        name=name, base_url=base_url, settings=dict(settings or {}), status=status,
        credentials_encrypted=encrypt_credentials(credentials) if credentials else None,
    )
    db.session.add(gateway)
    tx.commit()
    return gateway


# --- partners: what they can see --------------------------------------------------------------


def _visible(partner_id: str, environment: str):
    """Gateways a partner may use in an environment: its own and the platform's."""
    return select(Gateway).where(
        Gateway.environment == environment,
        or_(Gateway.partner_id == partner_id, Gateway.partner_id.is_(None)),
    )


def list_gateways(partner_id: str, environment: str, limit: int, cursor: str | None,
                  channel: str | None = None, status: str | None = None) -> Page:
    """A page of the gateways usable by a partner in one environment, newest first."""
    if environment == "sandbox":
        ensure_sandbox_gateways()
    statement = _visible(partner_id, environment)
    if channel:
        statement = statement.where(Gateway.channel == channel)
    if status:
        statement = statement.where(Gateway.status == status)
    return paginate(statement, Gateway.id, limit, cursor)


def get_gateway(partner_id: str, environment: str, gateway_id: str) -> Gateway:
    """One usable gateway; 404 for another partner's, another environment's or a missing one."""
    if environment == "sandbox":
        ensure_sandbox_gateways()
    gateway = db.session.scalars(
        _visible(partner_id, environment).where(Gateway.id == gateway_id)).first()
    if gateway is None:
        raise ApiError("not_found", f"No gateway {gateway_id}.", param="id")
    return gateway


# --- the delivery engine: which gateway a send uses -------------------------------------------


def gateway_for(partner_id: str, environment: str, channel: str) -> Gateway | None:
    """The gateway a message goes through, or None when the channel has none in this environment.

    Sandbox: always the sandbox simulator. Live: the partner's own active gateway for the
    channel, else the platform's shared one; among several, the oldest (adding a gateway
    never silently moves traffic: disable the old one to switch).
    Flushes (never commits) a sandbox row it had to create, so it is safe mid-transaction.
    """
    if registry.get(channel) is None:
        raise ValueError(f"unknown channel {channel!r}")
    if environment == "sandbox":
        return _ensure_sandbox_rows()[channel]
    candidates = db.session.scalars(
        _visible(partner_id, environment)
        .where(Gateway.channel == channel, Gateway.status == "active")
        .order_by(Gateway.partner_id.is_(None), Gateway.created_at, Gateway.id)
    )
    return candidates.first()


def gateway_to_api(gateway: Gateway) -> dict:
    """The gateway object: what it is and can do, never its credentials or URLs."""
    channel = registry.get(gateway.channel)
    return {
        "id": gateway.id,
        "object": "gateway",
        "channel": gateway.channel,
        "provider": gateway.provider,
        "name": gateway.name,
        "environment": gateway.environment,
        "status": gateway.status,
        "shared": gateway.partner_id is None,
        "capabilities": {
            "delivery_receipts": bool(channel and channel.delivery_receipts),
            "read_receipts": bool(channel and channel.read_receipts),
            "bounces": bool(channel and channel.bounces),
        },
        "created_at": isoformat(gateway.created_at),
    }
