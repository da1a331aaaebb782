"""The channel registry: the eleven channels, their rules, capabilities and prices.

One place drives validation, pricing, `GET /api/v1/channels` and the docs' channel matrix.

Prices are integer micro-units of USD (1_000_000 = 1 USD), charged per SMS segment for `sms`
and per message everywhere else. Phone channels price by the recipient's country calling
code (a NANP number is "1" for the US, Canada and the Caribbean alike), with a default for
codes not listed; the other channels are flat:

| channel   | unit    | price (USD)                                                           |
|-----------|---------|-----------------------------------------------------------------------|
| whatsapp  | message | +1 0.012, +44 0.030, +33 0.045, +49 0.050, +91 0.008; default 0.012   |
| sms       | segment | +1 0.0079, +44 0.040, +33 0.080, +49 0.090, +91 0.010; default 0.050  |
| rcs       | message | +1 0.009, +44 0.045, +33 0.085, +49 0.095, +91 0.012; default 0.055   |
| email     | message | 0.001                                                                 |
| messenger | message | 0.002                                                                 |
| instagram | message | 0.002                                                                 |
| telegram  | message | 0.001                                                                 |
| viber     | message | 0.005 (Viber bills business messages, the Meta/Telegram APIs do not)  |
| line      | message | 0.003                                                                 |
| webchat   | message | 0.0005 (our own widget: no provider cost)                             |
| push      | message | 0.0001                                                                |

Text limits (characters): sms 1600 (Twilio's cap, i.e. at most 10-11 segments), whatsapp 4096,
rcs 3072 (RBM), telegram 4096, messenger 2000, instagram 1000, viber 7000, line 5000,
webchat 10000, push title 200 and text 4000, email subject 998 (RFC 5322 line length) and
no limit on email text/html beyond the 1 MiB request body cap.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.money import format_price

DEFAULT_MAX_ATTEMPTS = 5
CURRENCY = "USD"

# Fields every send may carry whatever the channel; the API layer owns `channel` itself.
COMMON_OPTIONAL = ("from", "metadata")


@dataclass(frozen=True)
class Pricing:
    """A unit price in micros, optionally by country calling code ("1", "44", ...)."""

    unit: str  # "message" | "segment"
    default_micros: int
    by_country_code: tuple[tuple[str, int], ...] = ()

    def unit_price(self, country_code: str | None) -> int:
        """Return the unit price for a country calling code, or the default."""
        return dict(self.by_country_code).get(country_code or "", self.default_micros)


@dataclass(frozen=True)
class Channel:
    name: str
    label: str
    address: str  # "e164" | "email" | "id" | "fcm_token"
    required: tuple[str, ...]
    optional: tuple[str, ...]
    # Groups of fields of which at least one must be complete (whatsapp: a template or a text;
    # email: a text or an html body). Empty when `required` says it all.
    one_of: tuple[tuple[str, ...], ...]
    delivery_receipts: bool
    read_receipts: bool
    bounces: bool
    max_length: int | None  # for `text`; None means only the request size limit applies
    field_limits: tuple[tuple[str, int], ...]  # limits of other text fields (subject, title)
    provider: str
    pricing: Pricing
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    fallback: str | None = None  # channel tried when the recipient cannot receive this one

    @property
    def is_phone(self) -> bool:
        return self.address == "e164"

    def limit(self, field: str) -> int | None:
        """Return the maximum length of a text field on this channel, if any."""
        if field == "text":
            return self.max_length
        return dict(self.field_limits).get(field)

    def accepts(self, field: str) -> bool:
        """Tell whether a payload field applies to this channel."""
        return field in self.required or field in self.optional


def _text_channel(name: str, label: str, address: str, *, delivery: bool, read: bool,
                  max_length: int, provider: str, price: int) -> Channel:
    return Channel(
        name=name, label=label, address=address, required=("to", "text"),
        optional=COMMON_OPTIONAL, one_of=(), delivery_receipts=delivery, read_receipts=read,
        bounces=False, max_length=max_length, field_limits=(), provider=provider,
        pricing=Pricing("message", price),
    )


_CHANNELS: tuple[Channel, ...] = (
    Channel(
        name="whatsapp", label="WhatsApp", address="e164", required=("to",),
        optional=("template", "language", "variables", "text", *COMMON_OPTIONAL),
        one_of=(("template", "language"), ("text",)),
        delivery_receipts=True, read_receipts=True, bounces=False, max_length=4096,
        field_limits=(), provider="whatsapp_cloud",
        pricing=Pricing("message", 12_000, (
            ("1", 12_000), ("33", 45_000), ("44", 30_000), ("49", 50_000), ("91", 8_000))),
    ),
    Channel(
        name="sms", label="SMS", address="e164", required=("to", "text"),
        optional=COMMON_OPTIONAL, one_of=(),
        delivery_receipts=True, read_receipts=False, bounces=False, max_length=1600,
        field_limits=(), provider="twilio",
        pricing=Pricing("segment", 50_000, (
            ("1", 7_900), ("33", 80_000), ("44", 40_000), ("49", 90_000), ("91", 10_000))),
    ),
    Channel(
        name="rcs", label="RCS", address="e164", required=("to", "text"),
        optional=COMMON_OPTIONAL, one_of=(),
        delivery_receipts=True, read_receipts=True, bounces=False, max_length=3072,
        field_limits=(), provider="rbm", fallback="sms",
        pricing=Pricing("message", 55_000, (
            ("1", 9_000), ("33", 85_000), ("44", 45_000), ("49", 95_000), ("91", 12_000))),
    ),
    Channel(
        name="email", label="Email", address="email", required=("to", "subject"),
        optional=("text", "html", *COMMON_OPTIONAL), one_of=(("text",), ("html",)),
        delivery_receipts=True, read_receipts=False, bounces=True, max_length=None,
        field_limits=(("subject", 998),), provider="smtp",
        pricing=Pricing("message", 1_000),
    ),
    _text_channel("messenger", "Messenger", "id", delivery=True, read=True, max_length=2000,
                  provider="meta_graph", price=2_000),
    _text_channel("instagram", "Instagram", "id", delivery=False, read=True, max_length=1000,
                  provider="meta_graph", price=2_000),
    _text_channel("telegram", "Telegram", "id", delivery=False, read=False, max_length=4096,
                  provider="telegram", price=1_000),
    _text_channel("viber", "Viber", "id", delivery=True, read=True, max_length=7000,
                  provider="viber", price=5_000),
    _text_channel("line", "LINE", "id", delivery=False, read=False, max_length=5000,
                  provider="line", price=3_000),
    _text_channel("webchat", "Web chat", "id", delivery=True, read=True, max_length=10_000,
                  provider="webchat", price=500),
    Channel(
        name="push", label="Push notification", address="fcm_token",
        required=("to", "title", "text"), optional=COMMON_OPTIONAL, one_of=(),
        delivery_receipts=False, read_receipts=False, bounces=False, max_length=4000,
        field_limits=(("title", 200),), provider="fcm",
        pricing=Pricing("message", 100),
    ),
)

_BY_NAME: dict[str, Channel] = {channel.name: channel for channel in _CHANNELS}


def get(name: str) -> Channel | None:
    """Return the channel called `name`, or None."""
    return _BY_NAME.get(name) if isinstance(name, str) else None


def all_channels() -> list[Channel]:
    """Return the eleven channels in the order of the docs' matrix."""
    return list(_CHANNELS)


def names() -> list[str]:
    """Return the channel names, for error messages and schemas."""
    return [channel.name for channel in _CHANNELS]


def as_api(channel: Channel) -> dict:
    """Serialise a channel as a `GET /api/v1/channels` item."""
    pricing = channel.pricing
    return {
        "object": "channel",
        "name": channel.name,
        "address": channel.address,
        "required": list(channel.required),
        "optional": list(channel.optional),
        "one_of": [list(group) for group in channel.one_of],
        "delivery_receipts": channel.delivery_receipts,
        "read_receipts": channel.read_receipts,
        "bounces": channel.bounces,
        "max_length": channel.max_length,
        "pricing": {
            "currency": CURRENCY,
            "unit": pricing.unit,
            "default": format_price(pricing.default_micros),
            "by_country_code": {code: format_price(micros)
                                for code, micros in pricing.by_country_code},
        },
    }
