"""Validate a send against its channel's rules, normalise the address, count and price it.

Every problem found is reported at once, as `{"param", "code", "message"}` items, so a partner
fixes a request in one round trip. Template variables are checked against stored templates
elsewhere; this module knows only the channel's rules.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from app.channels.registry import Channel, get, names
from app.errors import ApiError

# Numbers that can never reach a real subscriber, accepted although phonenumbers calls some
# of them invalid: Twilio-style sandbox magic numbers (+1 500 555 ...), the NANP's fictional
# 555 area code used in our docs (+1 555 123 4567), and Ofcom's drama range (07700 900xxx).
FICTIONAL_PREFIXES = ("+1500555", "+1555", "+447700900")

GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Each of these is sent as ESC + a character: two septets, never split across segments.
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

_PHONE_CHARS = re.compile(r"\+[0-9 ()\-.]+")
_TELEGRAM_CHAT_ID = re.compile(r"-?[0-9]{1,20}")
_TELEGRAM_USERNAME = re.compile(r"@[A-Za-z][A-Za-z0-9_]{3,31}")
_FCM_TOKEN = re.compile(r"[A-Za-z0-9_:\-.]{20,320}")  # real tokens are ~163; columns hold 320
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}([_-][A-Za-z0-9]{2,8})*")

_TEXT_FIELDS = ("subject", "title", "text", "html", "template", "language")
_WHATSAPP_ONLY = ("template", "language", "variables")


@dataclass(frozen=True)
class Segments:
    encoding: str  # "GSM-7" | "UCS-2"
    segments: int
    characters: int


@dataclass(frozen=True)
class ValidatedSend:
    channel: Channel
    to: str
    text: str | None = None
    template: str | None = None
    language: str | None = None
    variables: dict = field(default_factory=dict)
    subject: str | None = None
    html: str | None = None
    title: str | None = None
    segments: int = 1
    encoding: str | None = None
    country_code: str | None = None
    cost_estimate_micros: int = 0
    from_: str | None = None
    metadata: dict = field(default_factory=dict)


class ChannelValidationError(ApiError):
    """A send breaks its channel's rules; `errors` lists every problem found."""

    def __init__(self, errors: list[dict]):
        first = errors[0]
        more = len(errors) - 1
        detail = first["message"] if not more else (
            f"{first['message']} And {more} more problem{'s' if more > 1 else ''}; see `errors`.")
        super().__init__(first["code"], detail, param=first["param"], errors=errors)


def count_segments(text: str) -> Segments:
    """Count the SMS segments of `text`: GSM-7 160/153 septets, else UCS-2 70/67 code units."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text):
        encoding, single, part = "GSM-7", 160, 153
        units = [2 if ch in GSM7_EXTENSION else 1 for ch in text]
    else:
        encoding, single, part = "UCS-2", 70, 67
        units = [2 if ord(ch) > 0xFFFF else 1 for ch in text]  # astral chars: surrogate pairs
    if sum(units) <= single:
        return Segments(encoding, 1 if text else 0, len(text))
    # Pack greedily: an escape sequence or a surrogate pair is never split across two parts.
    segments, used = 1, 0
    for size in units:
        if used + size > part:
            segments, used = segments + 1, 0
        used += size
    return Segments(encoding, segments, len(text))


def phone_country_code(number: str) -> str | None:
    """Return the calling code ("1", "44") of an E.164 number, or None if it does not parse."""
    try:
        return str(phonenumbers.parse(number, None).country_code)
    except phonenumbers.NumberParseException:
        return None


def price(channel: Channel, to: str, segments: int = 1) -> int:
    """Return the cost in micros of sending `segments` units to `to` on `channel`."""
    country_code = phone_country_code(to) if channel.is_phone else None
    return channel.pricing.unit_price(country_code) * segments


def normalise_phone(value: object) -> str | None:
    """Return `value` as an E.164 number, or None when it is not a dialable number."""
    if not isinstance(value, str) or not _PHONE_CHARS.fullmatch(value.strip()):
        return None
    try:
        parsed = phonenumbers.parse(value.strip(), None)
    except phonenumbers.NumberParseException:
        return None
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if phonenumbers.is_valid_number(parsed):
        return e164
    if e164.startswith(FICTIONAL_PREFIXES) and phonenumbers.is_possible_number(parsed):
        return e164
    return None


def normalise_email(value: object) -> str | None:
    """Return `value` as a normalised email address, or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return validate_email(value.strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def normalise_id(channel: Channel, value: object) -> str | None:
    """Return a platform recipient id (or FCM token) as sent, or None when it is malformed."""
    if channel.name == "telegram":
        if isinstance(value, int) and not isinstance(value, bool):
            return str(value)
        if isinstance(value, str) and _TELEGRAM_CHAT_ID.fullmatch(value):
            return str(int(value))
        if isinstance(value, str) and _TELEGRAM_USERNAME.fullmatch(value):
            return value
        return None
    if not isinstance(value, str):
        return None
    if channel.address == "fcm_token":
        return value if _FCM_TOKEN.fullmatch(value) else None
    if not 1 <= len(value) <= 256 or not _printable(value, allow_space=False):
        return None
    return value


_ADDRESS_ERRORS = {
    "e164": ("invalid_phone_number",
             "`to` must be a valid phone number in E.164 format, such as +15551234567."),
    "email": ("invalid_email_address", "`to` must be a valid email address."),
    "id": ("invalid_address", "`to` must be the {channel} recipient id: 1 to 256 characters "
           "without spaces."),
    "fcm_token": ("invalid_address", "`to` must be an FCM registration token: 20 to 4096 "
                  "letters, digits and _ : - . characters."),
}
_TELEGRAM_ADDRESS = "`to` must be a Telegram chat id (an integer, maybe negative) or @channelname."


def validate_send(payload: dict) -> ValidatedSend:
    """Check a send against its channel's rules and return it normalised and priced."""
    errors: list[dict] = []

    def fail(param: str, code: str, message: str) -> None:
        errors.append({"param": param, "code": code, "message": message})

    name = payload.get("channel")
    if name is None:
        fail("channel", "missing_field", "`channel` is required.")
    elif not isinstance(name, str):
        fail("channel", "invalid_field", "`channel` must be a string.")
    elif get(name) is None:
        fail("channel", "unknown_channel",
             f"`{name}` is not a channel; use one of {', '.join(names())}.")
    if errors:
        raise ChannelValidationError(errors)
    channel = get(name)

    to = payload.get("to")
    if to is None:
        fail("to", "missing_field", "`to` is required.")
    else:
        to = _normalise_address(channel, to)
        if to is None:
            code, message = _ADDRESS_ERRORS[channel.address]
            if channel.name == "telegram":
                message = _TELEGRAM_ADDRESS
            fail("to", code, message.format(channel=channel.name))

    given = {key for key in (*_TEXT_FIELDS, "variables") if payload.get(key) is not None}
    values: dict[str, str] = {}
    for key in _TEXT_FIELDS:
        if key not in given:
            continue
        value = payload[key]
        limit = channel.limit(key)
        if not channel.accepts(key):
            fail(key, "invalid_field", _not_applicable(channel, key))
        elif not isinstance(value, str):
            fail(key, "invalid_field", f"`{key}` must be a string.")
        elif not value.strip():
            fail(key, "invalid_field", f"`{key}` must not be blank.")
        elif limit is not None and len(value) > limit:
            fail(key, "text_too_long", f"`{key}` is {len(value)} characters; {channel.name} "
                 f"allows at most {limit}.")
        elif key == "subject" and ("\r" in value or "\n" in value):
            fail(key, "invalid_field", "`subject` must be a single line.")
        elif key == "language" and not _LANGUAGE.fullmatch(value):
            fail(key, "invalid_field", "`language` must be a language code such as en or pt_BR.")
        else:
            values[key] = value

    variables = payload.get("variables")
    if "variables" in given:
        if not channel.accepts("variables"):
            fail("variables", "invalid_field", _not_applicable(channel, "variables"))
        elif not isinstance(variables, dict):
            fail("variables", "invalid_field", "`variables` must be an object of strings.")
        else:
            for key, value in variables.items():
                if not isinstance(value, str):
                    fail(f"variables.{key}", "invalid_field",
                         f"Template variable `{key}` must be a string.")

    for key in channel.required:
        if key != "to" and key not in given:
            fail(key, "missing_field", f"`{key}` is required for {channel.name} messages.")
    # A group's first field is what makes the choice: `language` alone is not a template send.
    if channel.one_of and not any(group[0] in given for group in channel.one_of):
        alternatives = " or ".join("+".join(f"`{k}`" for k in group) for group in channel.one_of)
        fail(channel.one_of[0][0], "missing_field", f"{channel.name} messages need {alternatives}.")
    if channel.name == "whatsapp":
        _whatsapp_rules(given, fail)

    sender = _check_from(payload.get("from"), fail)
    metadata = _check_metadata(payload.get("metadata"), fail)
    if errors:
        raise ChannelValidationError(errors)

    segments, encoding = 1, None
    if channel.name == "sms":
        counted = count_segments(values["text"])
        segments, encoding = counted.segments, counted.encoding
    return ValidatedSend(
        channel=channel, to=to, text=values.get("text"), template=values.get("template"),
        language=values.get("language"),
        variables=dict(variables) if values.get("template") and variables else {},
        subject=values.get("subject"), html=values.get("html"), title=values.get("title"),
        segments=segments, encoding=encoding,
        country_code=phone_country_code(to) if channel.is_phone else None,
        cost_estimate_micros=price(channel, to, segments), from_=sender, metadata=metadata,
    )


def _normalise_address(channel: Channel, value: object) -> str | None:
    if channel.address == "e164":
        return normalise_phone(value)
    if channel.address == "email":
        return normalise_email(value)
    return normalise_id(channel, value)


def _whatsapp_rules(given: set[str], fail) -> None:
    # A template send and a free-form text are different products (and prices at Meta).
    if "template" in given and "text" in given:
        fail("text", "invalid_field", "Send either a `template` or a `text`, not both.")
    elif "template" in given and "language" not in given:
        fail("language", "missing_field", "`language` is required with `template`.")
    if "template" not in given:
        for key in ("language", "variables"):
            if key in given:
                fail(key, "invalid_field", f"`{key}` applies only to template sends.")


def _not_applicable(channel: Channel, key: str) -> str:
    if key in _WHATSAPP_ONLY:
        return f"`{key}` applies only to whatsapp template sends; send `text` on {channel.name}."
    return f"`{key}` does not apply to {channel.name} messages."


def _check_from(value: object, fail) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not 1 <= len(value) <= 256 or not _printable(value):
        fail("from", "invalid_field", "`from` must be a sender of 1 to 256 printable characters.")
        return None
    return value


def _check_metadata(value: object, fail) -> dict:
    # Stripe's limits: small enough to store on every message and echo in every webhook.
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > 50:
        fail("metadata", "invalid_field", "`metadata` must be an object of at most 50 keys.")
        return {}
    for key, item in value.items():
        if not isinstance(key, str) or not 1 <= len(key) <= 40:
            fail("metadata", "invalid_field", "`metadata` keys are 1 to 40 characters.")
        elif isinstance(item, (dict, list)) or (isinstance(item, str) and len(item) > 500):
            fail(f"metadata.{key}", "invalid_field",
                 "`metadata` values are strings of at most 500 characters, numbers or booleans.")
    return dict(value)


def _printable(value: str, *, allow_space: bool = True) -> bool:
    """Refuse control and format characters (and optionally whitespace) in identifiers."""
    return all(unicodedata.category(ch)[0] != "C" and (allow_space or not ch.isspace())
               for ch in value)
