"""The channel registry and send validation; gateway adapters live in `gateways/`."""

from app.channels.registry import (
    CURRENCY,
    Channel,
    Pricing,
    all_channels,
    as_api,
    get,
    names,
)
from app.channels.validation import (
    FICTIONAL_PREFIXES,
    ChannelValidationError,
    Segments,
    ValidatedSend,
    count_segments,
    normalise_email,
    normalise_id,
    normalise_phone,
    phone_country_code,
    price,
    validate_send,
)

__all__ = [
    "CURRENCY",
    "FICTIONAL_PREFIXES",
    "Channel",
    "ChannelValidationError",
    "Pricing",
    "Segments",
    "ValidatedSend",
    "all_channels",
    "as_api",
    "count_segments",
    "get",
    "names",
    "normalise_email",
    "normalise_id",
    "normalise_phone",
    "phone_country_code",
    "price",
    "validate_send",
]
