"""Prices operators change as data, over the channel registry's defaults.

A unit price is looked up most specific first, an operator's price before the registry's at
each level: the operator's price for the recipient's country calling code, then the
registry's for that code, then the operator's channel-wide price, then the registry's
default. Prices apply to sends from the moment they are saved (each process caches the
operators' prices per channel until the `prices` epoch changes, see
app.services.cache_epoch); messages already charged keep their price.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.channels import get as channel_of
from app.channels import registry
from app.errors import ApiError
from app.extensions import db
from app.models import PriceOverride
from app.money import format_price
from app.services import tx
from app.services.cache_epoch import Cache

_cache = Cache("prices")


@dataclass(frozen=True)
class PriceRow:
    channel: str
    country_code: str  # "" = every other country / not a phone channel
    unit: str
    registry_micros: int | None
    override: PriceOverride | None

    @property
    def effective_micros(self) -> int:
        return self.override.price_micros if self.override else self.registry_micros or 0


def _overrides(channel: str) -> dict[str, int]:
    found = _cache.get(channel)
    if found is None:
        filled_under = _cache.filler()
        found = {row.country_code: row.price_micros for row in db.session.execute(
            select(PriceOverride.country_code, PriceOverride.price_micros)
            .where(PriceOverride.channel == channel))}
        _cache.put(channel, found, filled_under)
    return found


def unit_price(channel: str, country_code: str | None) -> int:
    """The price of one unit (message or SMS segment) to a country, in micros."""
    pricing = channel_of(channel).pricing
    overrides = _overrides(channel)
    registry_by_code = dict(pricing.by_country_code)
    if country_code:
        if country_code in overrides:
            return overrides[country_code]
        if country_code in registry_by_code:
            return registry_by_code[country_code]
    return overrides.get("", pricing.default_micros)


def estimate(channel: str, country_code: str | None, segments: int) -> int:
    """What a send costs: the unit price times its units."""
    return unit_price(channel, country_code) * segments


def table() -> list[PriceRow]:
    """Every price row: the registry's, with the operator's where set, and the operator's own."""
    found = {(row.channel, row.country_code): row
             for row in db.session.scalars(select(PriceOverride))}
    rows = []
    for channel in registry.all_channels():
        codes = {"": channel.pricing.default_micros, **dict(channel.pricing.by_country_code)}
        codes.update({code: None for (name, code) in found
                      if name == channel.name and code not in codes})
        for code, micros in sorted(codes.items(), key=lambda item: (item[0] != "", item[0])):
            rows.append(PriceRow(channel.name, code, channel.pricing.unit, micros,
                                 found.get((channel.name, code))))
    return rows


def set_price(channel: str, country_code: str, price_micros: int, actor: str) -> PriceOverride:
    """Set the operator's price for a channel (and calling code, "" for the default)."""
    if channel_of(channel) is None:
        raise ApiError("invalid_field", f"Unknown channel {channel!r}.", param="channel")
    country_code = (country_code or "").strip().lstrip("+")
    if country_code and (not country_code.isdigit() or len(country_code) > 3):
        raise ApiError("invalid_field", "`country_code` is a calling code such as 1 or 44.",
                       param="country_code")
    if country_code and not channel_of(channel).is_phone:
        raise ApiError("invalid_field", f"{channel} is not priced by country.",
                       param="country_code")
    if price_micros < 0:
        raise ApiError("invalid_field", "A price cannot be negative.", param="price")
    row = db.session.scalar(select(PriceOverride).where(
        PriceOverride.channel == channel, PriceOverride.country_code == country_code))
    if row is None:
        row = PriceOverride(channel=channel, country_code=country_code)
        db.session.add(row)
    row.price_micros, row.updated_by = price_micros, actor
    tx.commit()
    return row


def remove_price(price_id: str) -> str:
    """Drop an operator's price: the registry's default applies again."""
    row = db.session.get(PriceOverride, price_id)
    if row is None:
        raise ApiError("not_found", f"No price {price_id}.", param="id")
    db.session.delete(row)
    tx.commit()
    return price_id


def with_overrides(item: dict) -> dict:
    """A `GET /api/v1/channels` item with the operators' prices in its `pricing`."""
    overrides = _overrides(item["name"])
    if not overrides:
        return item
    pricing = dict(item["pricing"])
    if "" in overrides:
        pricing["default"] = format_price(overrides[""])
    by_code = dict(pricing["by_country_code"])
    by_code.update({code: format_price(micros) for code, micros in overrides.items() if code})
    pricing["by_country_code"] = dict(sorted(by_code.items(), key=lambda kv: (len(kv[0]), kv[0])))
    return {**item, "pricing": pricing}
