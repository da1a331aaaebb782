"""Gateways: `GET /gateways`, `GET /gateways/<id>`: the provider accounts a key sends through."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app import channels
from app.api.principal import Principal
from app.api.schemas import (
    Id,
    ListQuery,
    ListResponse,
    Timestamp,
    page_response,
)
from app.api.surfaces import v1 as surface
from app.services.messaging import gateways


class GatewayCapabilities(BaseModel):
    model_config = ConfigDict(extra="forbid")

    delivery_receipts: bool
    read_receipts: bool
    bounces: bool


class GatewayOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Id
    object: Literal["gateway"]
    channel: Literal[tuple(channels.names())]  # type: ignore[valid-type]
    provider: str = Field(examples=["twilio", "sandbox"])
    name: str
    environment: Literal["live", "sandbox"]
    status: Literal["active", "disabled"]
    shared: bool = Field(description="True for the platform's gateways, false for your own.")
    capabilities: GatewayCapabilities
    created_at: Timestamp


class GatewayQuery(ListQuery):
    channel: Literal[tuple(channels.names())] | None = None  # type: ignore[valid-type]
    status: Literal["active", "disabled"] | None = None


@surface.endpoint("/gateways", "GET", summary="List gateways", tags=("Gateways",),
                  query=GatewayQuery, response=ListResponse[GatewayOut],
                  errors=("invalid_cursor",))
def list_gateways(principal: Principal, query: GatewayQuery):
    """Gateways your key can send through: your own and the platform's, newest first.

    A sandbox key sees the sandbox simulator, one gateway per channel.
    """
    page = gateways.list_gateways(principal.partner_id, principal.environment, query.limit,
                                  query.cursor, channel=query.channel, status=query.status)
    return page_response(page, gateways.gateway_to_api)


@surface.endpoint("/gateways/<id>", "GET", summary="Get a gateway", tags=("Gateways",),
                  response=GatewayOut)
def get_gateway(principal: Principal, id: str):  # noqa: A002 - the path parameter's name
    """One gateway usable by your key; another partner's private gateway answers 404."""
    return gateways.gateway_to_api(
        gateways.get_gateway(principal.partner_id, principal.environment, id))
