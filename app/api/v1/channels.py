"""Channels: `GET /channels`, `GET /channels/<name>` — the channel registry, as data."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app import channels
from app.api.principal import Principal
from app.api.schemas import (
    ListResponse,
    Money,
)
from app.api.surfaces import v1 as surface
from app.errors import ApiError
from app.services.billing import prices


class ChannelPricing(BaseModel):
    model_config = ConfigDict(extra="forbid")

    currency: str = Field(examples=["USD"])
    unit: Literal["message", "segment"] = Field(
        description="What one unit price buys: a message, or an SMS segment.")
    default: Money = Field(description="Unit price for destinations not listed below.")
    by_country_code: dict[str, Money] = Field(
        description="Unit prices by the recipient's country calling code (\"1\", \"44\", ...).")


class ChannelOut(BaseModel):
    """One row of the channel matrix, exactly as `app.channels.as_api` serialises it."""

    model_config = ConfigDict(extra="forbid")

    object: Literal["channel"]
    name: Literal[tuple(channels.names())]  # type: ignore[valid-type]
    address: Literal["e164", "email", "id", "fcm_token"] = Field(
        description="Format of `to`: an E.164 number, an email address, a provider-scoped id "
                    "or an FCM registration token.")
    required: list[str] = Field(description="Fields every send on this channel must carry.")
    optional: list[str] = Field(description="Further fields the channel accepts.")
    one_of: list[list[str]] = Field(
        description="Groups of fields of which one must be complete, e.g. whatsapp takes "
                    "`template`+`language` or `text`; empty when `required` says it all.")
    delivery_receipts: bool
    read_receipts: bool
    bounces: bool = Field(description="Whether the channel reports bounces (email).")
    max_length: int | None = Field(description="Longest `text` in characters; null: no limit "
                                               "beyond the 1 MiB request body.")
    pricing: ChannelPricing


@surface.endpoint("/channels", "GET", summary="List channels", tags=("Channels",),
                  response=ListResponse[ChannelOut])
def list_channels(principal: Principal):
    """The eleven channels: address formats, required fields, receipts, limits and prices."""
    data = [prices.with_overrides(channels.as_api(channel))
            for channel in channels.all_channels()]
    return {"object": "list", "data": data, "has_more": False, "next_cursor": None}


@surface.endpoint("/channels/<name>", "GET", summary="Get a channel", tags=("Channels",),
                  response=ChannelOut)
def get_channel(principal: Principal, name: str):
    """One channel of the matrix, by name (`sms`, `whatsapp`, ...)."""
    channel = channels.get(name)
    if channel is None:
        raise ApiError("not_found", f"No channel named {name!r}; the channels are "
                       + ", ".join(channels.names()) + ".", param="name")
    return prices.with_overrides(channels.as_api(channel))
