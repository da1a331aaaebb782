"""Channel addresses: E.164 numbers, email addresses, platform ids, chat ids, FCM tokens."""

from __future__ import annotations

import pytest

from tests.channels._samples import problems, send

# --- addresses ------------------------------------------------------------------------------


@pytest.mark.parametrize(("raw", "normalised"), [
    ("+15551234567", "+15551234567"),
    ("+1 (202) 555-0123", "+12025550123"),
    (" +44 20 7946 0958 ", "+442079460958"),
    ("+49 151 12345678", "+4915112345678"),
    ("+447700900123", "+447700900123"),
])
def test_phone_numbers_are_normalised_to_e164(raw, normalised):
    assert send("sms", to=raw, text="hi").to == normalised


@pytest.mark.parametrize("number", [f"+1500555000{i}" for i in range(1, 10)])
def test_sandbox_magic_numbers_are_accepted(number):
    assert send("whatsapp", to=number, text="hi").to == number


@pytest.mark.parametrize("raw", ["15551234567", "+1555", "+999123456789", "+1-800-FLOWERS",
                                 "+15551234567 ext. 9", "+1200555012", "", 15551234567])
def test_bad_phone_numbers_are_invalid_phone_number(raw):
    assert problems("rcs", to=raw, text="hi") == [("to", "invalid_phone_number")]


def test_email_addresses_are_normalised():
    assert send("email", to=" Bob@Example.COM ", subject="S", text="x").to == "Bob@example.com"
    assert send("email", to="delivered@sandbox.switchboard.example", subject="S",
                text="x").to == "delivered@sandbox.switchboard.example"


@pytest.mark.parametrize("raw", ["bob", "bob@localhost", "Bob <bob@example.com>", "a@b@c.com", 3])
def test_bad_email_addresses_are_invalid_email_address(raw):
    assert problems("email", to=raw, subject="S", text="x") == [("to", "invalid_email_address")]


@pytest.mark.parametrize("name", ["messenger", "instagram", "viber", "line", "webchat"])
def test_platform_ids_are_kept_as_sent(name):
    assert send(name, to="AbC-123_=", text="hi").to == "AbC-123_="
    assert send(name, to="x" * 256, text="hi").to == "x" * 256


@pytest.mark.parametrize("raw", ["", "has space", "tab\there", "zero\u200bwidth", "x" * 257, 42])
def test_bad_platform_ids_are_invalid_address(raw):
    assert problems("viber", to=raw, text="hi") == [("to", "invalid_address")]


@pytest.mark.parametrize(("raw", "normalised"), [
    ("-1001234567890", "-1001234567890"), ("123456", "123456"), (-42, "-42"), (987, "987"),
    ("@switchboard_news", "@switchboard_news"),
])
def test_telegram_takes_integer_chat_ids_or_channel_usernames(raw, normalised):
    assert send("telegram", to=raw, text="hi").to == normalised


@pytest.mark.parametrize("raw", ["abc", "@ab", "@1channel", "12 34", True, "user@host"])
def test_bad_telegram_chat_ids_are_invalid_address(raw):
    assert problems("telegram", to=raw, text="hi") == [("to", "invalid_address")]


@pytest.mark.parametrize("raw", ["short", "a" * 321, "bad token with spaces here", "tok/en" * 5])
def test_bad_fcm_tokens_are_invalid_address(raw):
    assert problems("push", to=raw, title="T", text="x") == [("to", "invalid_address")]


def test_fcm_tokens_of_20_to_320_allowed_characters_pass():
    """Real registration tokens are about 163 characters; addresses are stored in 320."""
    assert send("push", to="a" * 20, title="T", text="x").to == "a" * 20
    assert send("push", to="A-_:." * 63 + "a" * 5, title="T", text="x")
