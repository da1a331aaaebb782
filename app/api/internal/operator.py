"""The operator console's calls (`/api/internal/operator`): partners, top-ups, rate limits,
suspension, gateways, prices and evaluation requests. Operators only.

A call about one partner (`/partners/<partner_id>/...`) is scoped to that partner, so a
top-up form submitted twice replays the first answer: one ledger entry.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app import money
from app.admin import presenters
from app.api.principal import Principal
from app.api.schemas import ChannelName, Strict
from app.api.surfaces import operator as surface
from app.errors import ApiError
from app.models.base import isoformat
from app.services.billing import prices, wallet
from app.services.messaging import gateways
from app.services.tenancy import evaluations, partners

TAGS = ("Operators",)


class PartnerCreate(Strict):
    name: str = Field(min_length=1, max_length=200)


class TopUp(Strict):
    environment: Literal["live", "sandbox"]
    amount: str = Field(max_length=24, examples=["25.00"])
    reason: str = Field(min_length=1, max_length=200)


class RateLimits(Strict):
    live: int | None = Field(None, ge=1, le=1_000_000)
    sandbox: int | None = Field(None, ge=1, le=1_000_000)


class StatusChange(Strict):
    status: Literal["active", "suspended"]


class GatewayCreate(Strict):
    channel: ChannelName
    provider: str = Field(min_length=1, max_length=32)
    name: str = Field(min_length=1, max_length=200)
    base_url: str | None = Field(None, max_length=500)
    partner_id: str | None = Field(None, max_length=40)
    credentials: str | None = Field(None, max_length=8000,
                                    description="`name=value` lines (`env:NAME` allowed).")
    settings: str | None = Field(None, max_length=8000, description="`name=value` lines.")


class PriceSet(Strict):
    channel: ChannelName
    country_code: str | None = Field(None, max_length=4)
    price: str = Field(max_length=24, examples=["0.0075"])


class Reject(Strict):
    reason: str = Field(min_length=1, max_length=500)


def _micros(value: str, param: str) -> int:
    try:
        return money.to_micros(value.strip())
    except money.InvalidAmount as exc:
        raise ApiError("invalid_field", f"`{param}`: {exc}", param=param) from None


def _lines(text: str | None, param: str) -> dict:
    found = {}
    for line in (text or "").splitlines():
        if not line.strip():
            continue
        name, equals, value = line.partition("=")
        if not equals or not name.strip():
            raise ApiError("invalid_field", f"`{param}`: one `name=value` per line.",
                           param=param)
        found[name.strip()] = value.strip()
    return found


@surface.endpoint("/partners", "POST", summary="Create a partner", tags=TAGS,
                  body=PartnerCreate, status=201,
                  html=presenters.back(lambda a: f"Partner {a['name']} created."))
def create_partner(principal: Principal, body: PartnerCreate):
    """A partner with empty wallets; invite its admins, who create its keys."""
    partner = partners.create(body.name)
    return {"id": partner.id, "object": "partner", "name": partner.name}


@surface.endpoint("/partners/<partner_id>/top_up", "POST", summary="Top up a wallet",
                  tags=TAGS, body=TopUp, status=201,
                  html=presenters.back(lambda a: f"Topped up: balance {a['balance_after']}."))
def top_up(principal: Principal, body: TopUp, partner_id: str):
    """Credit a partner's wallet; the reason becomes the ledger entry's description."""
    entry = partners.top_up(partner_id, body.environment, _micros(body.amount, "amount"),
                            body.reason)
    return wallet.transaction_to_api(entry)


@surface.endpoint("/partners/<partner_id>/rate_limits", "POST", summary="Set rate limits",
                  tags=TAGS, body=RateLimits, html=presenters.back("Rate limits saved."))
def rate_limits(principal: Principal, body: RateLimits, partner_id: str):
    """Requests per minute per environment; empty: the configured default."""
    partner = partners.set_rate_limits(partner_id, reset=True)
    partner = partners.set_rate_limits(partner_id, live=body.live, sandbox=body.sandbox)
    return {"id": partner.id, "object": "partner", "rate_limit_live": partner.rate_limit_live,
            "rate_limit_sandbox": partner.rate_limit_sandbox}


@surface.endpoint("/partners/<partner_id>/status", "POST", summary="Suspend or reactivate",
                  tags=TAGS, body=StatusChange,
                  html=presenters.back(lambda a: f"Partner is now {a['status']}."))
def partner_status(principal: Principal, body: StatusChange, partner_id: str):
    """Suspend a partner (keys, tokens and logins refused) or reactivate it."""
    partner = partners.set_status(partner_id, body.status)
    return {"id": partner.id, "object": "partner", "status": partner.status}


@surface.endpoint("/gateways", "POST", summary="Add a gateway", tags=TAGS,
                  body=GatewayCreate, status=201,
                  html=presenters.back(lambda a: f"Gateway {a['name']} added."))
def add_gateway(principal: Principal, body: GatewayCreate):
    """A live provider account, platform-shared or one partner's; credentials encrypted."""
    if body.partner_id:
        partners.get(body.partner_id)
    gateway = gateways.add_gateway(
        body.channel, body.provider.strip(), body.name.strip(), partner_id=body.partner_id,
        base_url=body.base_url, credentials=_lines(body.credentials, "credentials"),
        settings=_lines(body.settings, "settings"))
    return gateways.gateway_to_api(gateway)


def _gateway_status(gateway_id: str, status: str) -> dict:
    gateway = gateways.set_status(gateway_id, status)
    if gateway is None:
        raise ApiError("not_found", f"No gateway {gateway_id}.", param="id")
    return gateways.gateway_to_api(gateway)


@surface.endpoint("/gateways/<id>/enable", "POST", summary="Enable a gateway", tags=TAGS,
                  html=presenters.back("Gateway enabled."))
def enable_gateway(principal: Principal, id: str):  # noqa: A002
    """Route sends through this gateway again."""
    return _gateway_status(id, "active")


@surface.endpoint("/gateways/<id>/disable", "POST", summary="Disable a gateway", tags=TAGS,
                  html=presenters.back("Gateway disabled."))
def disable_gateway(principal: Principal, id: str):  # noqa: A002
    """Stop routing sends through this gateway."""
    return _gateway_status(id, "disabled")


@surface.endpoint("/prices", "POST", summary="Set a price", tags=TAGS, body=PriceSet,
                  html=presenters.back("Price saved; new sends use it."))
def set_price(principal: Principal, body: PriceSet):
    """The unit price of a channel, for one country calling code or (empty) all others."""
    row = prices.set_price(body.channel, body.country_code or "",
                           _micros(body.price, "price"), principal.actor)
    return {"id": row.id, "object": "price", "channel": row.channel,
            "country_code": row.country_code or None,
            "price": money.format_price(row.price_micros)}


@surface.endpoint("/prices/<id>/delete", "POST", summary="Remove a price", tags=TAGS,
                  html=presenters.back("Price removed; the default applies again."))
def remove_price(principal: Principal, id: str):  # noqa: A002
    """Drop an operator's price."""
    return {"id": prices.remove_price(id), "object": "price", "deleted": True}


def _evaluation(found) -> dict:
    return {"id": found.id, "object": "evaluation_request", "status": found.status,
            "partner_id": found.partner_id, "decided_at": isoformat(found.decided_at)}


@surface.endpoint("/evaluations/<id>/approve", "POST", summary="Approve an evaluation",
                  tags=TAGS, errors=("conflict",),
                  html=presenters.back("Approved: the partner exists and the welcome email "
                                       "with its sandbox key is on its way."))
def approve_evaluation(principal: Principal, id: str):  # noqa: A002
    """Provision the partner and email its sandbox key and next steps."""
    return _evaluation(evaluations.approve(id, principal.actor))


@surface.endpoint("/evaluations/<id>/reject", "POST", summary="Reject an evaluation",
                  tags=TAGS, body=Reject, errors=("conflict",),
                  html=presenters.back("Rejected; the requester is told why."))
def reject_evaluation(principal: Principal, body: Reject, id: str):  # noqa: A002
    """Decline with a reason the requester receives."""
    return _evaluation(evaluations.reject(id, body.reason, principal.actor))
