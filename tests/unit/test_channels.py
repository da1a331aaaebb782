"""The channel registry: rules, address normalisation, SMS segments, pricing, the API shape."""

from __future__ import annotations

import pytest

from app import errors as error_codes
from app.channels import (
    ChannelValidationError,
    Segments,
    all_channels,
    as_api,
    count_segments,
    get,
    price,
    validate_send,
)

ALL = ["whatsapp", "sms", "rcs", "email", "messenger", "instagram", "telegram", "viber", "line",
       "webchat", "push"]
FCM_TOKEN = "fcm-token_1234567890:APA91b.abc"
GOOD = {
    "whatsapp": {"to": "+15551234567", "text": "hi"},
    "sms": {"to": "+15551234567", "text": "hi"},
    "rcs": {"to": "+15551234567", "text": "hi"},
    "email": {"to": "bob@example.com", "subject": "Hello", "text": "hi"},
    "messenger": {"to": "24012345678901234", "text": "hi"},
    "instagram": {"to": "17841400000000000", "text": "hi"},
    "telegram": {"to": "-1001234567890", "text": "hi"},
    "viber": {"to": "01234567890A=", "text": "hi"},
    "line": {"to": "U4af4980629a0b2f1c3d4e5f60718293a", "text": "hi"},
    "webchat": {"to": "visitor_42", "text": "hi"},
    "push": {"to": FCM_TOKEN, "title": "New reply", "text": "hi"},
}


def send(channel: str, **fields):
    return validate_send({"channel": channel, **fields})


def problems(channel: str | None, **fields) -> list[tuple[str, str]]:
    payload = {**({"channel": channel} if channel is not None else {}), **fields}
    with pytest.raises(ChannelValidationError) as caught:
        validate_send(payload)
    return [(e["param"], e["code"]) for e in caught.value.errors]


# --- the registry ---------------------------------------------------------------------------


def test_registry_holds_the_eleven_channels_in_matrix_order():
    assert [c.name for c in all_channels()] == ALL
    assert all(get(name).name == name for name in ALL)


def test_get_returns_none_for_unknown_or_non_string_names():
    assert get("fax") is None
    assert get("SMS") is None
    assert get(None) is None


def test_capabilities_follow_the_design_matrix():
    receipts = {c.name: (c.delivery_receipts, c.read_receipts) for c in all_channels()}
    assert receipts == {
        "whatsapp": (True, True), "sms": (True, False), "rcs": (True, True),
        "email": (True, False), "messenger": (True, True), "instagram": (False, True),
        "telegram": (False, False), "viber": (True, False), "line": (False, False),
        "webchat": (True, False), "push": (False, False)}
    assert [c.name for c in all_channels() if c.bounces] == ["email"]
    assert get("rcs").fallback == "sms"


def test_each_channel_names_its_provider_wire_format_and_retry_budget():
    providers = {c.name: c.provider for c in all_channels()}
    assert providers == {
        "whatsapp": "whatsapp_cloud", "sms": "twilio", "rcs": "rbm", "email": "smtp",
        "messenger": "meta_graph", "instagram": "meta_graph", "telegram": "telegram",
        "viber": "viber", "line": "line", "webchat": "webchat", "push": "fcm"}
    assert all(c.max_attempts == 5 for c in all_channels())


def test_address_kinds_are_e164_email_id_or_fcm_token():
    kinds = {c.name: c.address for c in all_channels()}
    assert {n for n, k in kinds.items() if k == "e164"} == {"whatsapp", "sms", "rcs"}
    assert kinds["email"] == "email"
    assert kinds["push"] == "fcm_token"
    assert {n for n, k in kinds.items() if k == "id"} == {
        "messenger", "instagram", "telegram", "viber", "line", "webchat"}


def test_channels_are_frozen():
    with pytest.raises(AttributeError):
        get("sms").max_length = 1


@pytest.mark.parametrize("name", ALL)
def test_as_api_has_exactly_the_documented_shape(name):
    item = as_api(get(name))
    assert list(item) == ["object", "name", "address", "required", "optional", "one_of",
                          "delivery_receipts", "read_receipts", "bounces", "max_length",
                          "pricing"]
    assert item["object"] == "channel" and item["name"] == name
    assert "to" in item["required"]
    assert set(item["optional"]) >= {"from", "metadata"}
    assert set(item["pricing"]) == {"currency", "unit", "default", "by_country_code"}
    assert item["pricing"]["currency"] == "USD"
    assert item["pricing"]["unit"] == ("segment" if name == "sms" else "message")
    money = [item["pricing"]["default"], *item["pricing"]["by_country_code"].values()]
    assert all(isinstance(m, str) and len(m.split(".")[1]) >= 3 for m in money)


def test_as_api_shows_the_either_or_field_groups():
    assert as_api(get("whatsapp"))["one_of"] == [["template", "language"], ["text"]]
    assert as_api(get("email"))["one_of"] == [["text"], ["html"]]
    assert as_api(get("sms"))["one_of"] == []
    assert as_api(get("email"))["bounces"] is True and as_api(get("sms"))["bounces"] is False


def test_as_api_prices_phone_channels_by_country_code():
    sms = as_api(get("sms"))["pricing"]
    assert sms["default"] == "0.050"
    assert sms["by_country_code"]["1"] == "0.0079"
    assert sms["by_country_code"]["44"] == "0.040"
    assert as_api(get("whatsapp"))["pricing"]["default"] == "0.012"
    assert as_api(get("email"))["pricing"] == {
        "currency": "USD", "unit": "message", "default": "0.001", "by_country_code": {}}


def test_rcs_costs_slightly_more_than_an_sms_segment_everywhere():
    sms, rcs = get("sms").pricing, get("rcs").pricing
    assert rcs.default_micros > sms.default_micros
    for code, micros in sms.by_country_code:
        assert rcs.unit_price(code) > micros


def test_as_api_reports_text_limits():
    limits = {c.name: as_api(c)["max_length"] for c in all_channels()}
    assert limits == {"whatsapp": 4096, "sms": 1600, "rcs": 3072, "email": None,
                      "messenger": 2000, "instagram": 1000, "telegram": 4096, "viber": 7000,
                      "line": 5000, "webchat": 10_000, "push": 4000}
    assert get("email").limit("subject") == 998
    assert get("push").limit("title") == 200


def test_every_error_code_used_is_registered():
    used = {"unknown_channel", "missing_field", "invalid_field", "invalid_phone_number",
            "invalid_email_address", "invalid_address", "text_too_long"}
    assert used <= set(error_codes.registry())


# --- required fields per channel ------------------------------------------------------------


@pytest.mark.parametrize("name", ALL)
def test_a_well_formed_send_validates_on_every_channel(name):
    result = send(name, **GOOD[name])
    assert result.channel is get(name)
    assert result.text == "hi"
    assert result.cost_estimate_micros > 0


@pytest.mark.parametrize("name", ["sms", "rcs", "messenger", "instagram", "telegram", "viber",
                                  "line", "webchat"])
def test_text_channels_require_text(name):
    assert problems(name, to=GOOD[name]["to"]) == [("text", "missing_field")]


@pytest.mark.parametrize("name", ALL)
def test_every_channel_requires_to(name):
    fields = {k: v for k, v in GOOD[name].items() if k != "to"}
    assert ("to", "missing_field") in problems(name, **fields)


def test_missing_channel_is_missing_field():
    assert problems(None, to="+15551234567", text="hi") == [("channel", "missing_field")]


def test_unknown_channel_is_reported_and_listed_alternatives():
    with pytest.raises(ChannelValidationError) as caught:
        validate_send({"channel": "fax", "to": "+15551234567", "text": "hi"})
    (error,) = caught.value.errors
    assert (error["param"], error["code"]) == ("channel", "unknown_channel")
    assert "whatsapp" in error["message"]


def test_non_string_channel_is_invalid_field():
    assert problems(7, to="+15551234567", text="hi") == [("channel", "invalid_field")]


def test_whatsapp_template_send_needs_template_and_language_and_keeps_variables():
    result = send("whatsapp", to="+15551234567", template="order_confirmation", language="en",
                  variables={"name": "Nayeem"})
    assert (result.template, result.language, result.text) == ("order_confirmation", "en", None)
    assert result.variables == {"name": "Nayeem"}


def test_whatsapp_template_variables_may_be_empty_or_absent():
    assert send("whatsapp", to="+15551234567", template="hello", language="en").variables == {}
    assert send("whatsapp", to="+15551234567", template="hello", language="en",
                variables={}).variables == {}


def test_whatsapp_template_without_language_is_missing_language():
    assert problems("whatsapp", to="+15551234567", template="hello") == [
        ("language", "missing_field")]


def test_whatsapp_without_template_or_text_is_missing_field():
    assert problems("whatsapp", to="+15551234567") == [("template", "missing_field")]


def test_whatsapp_language_alone_is_not_a_template_send():
    assert problems("whatsapp", to="+15551234567", language="en") == [
        ("template", "missing_field"), ("language", "invalid_field")]


def test_whatsapp_template_and_text_together_are_refused():
    assert problems("whatsapp", to="+15551234567", template="hello", language="en",
                    text="hi") == [("text", "invalid_field")]


def test_whatsapp_variables_must_be_an_object_of_strings():
    assert problems("whatsapp", to="+15551234567", template="t", language="en",
                    variables=["Nayeem"]) == [("variables", "invalid_field")]
    assert problems("whatsapp", to="+15551234567", template="t", language="en",
                    variables={"name": "Nayeem", "count": 3, "flag": True}) == [
        ("variables.count", "invalid_field"), ("variables.flag", "invalid_field")]


def test_whatsapp_language_must_look_like_a_language_code():
    assert send("whatsapp", to="+15551234567", template="t", language="pt_BR").language == "pt_BR"
    assert problems("whatsapp", to="+15551234567", template="t", language="english!") == [
        ("language", "invalid_field")]


@pytest.mark.parametrize("name", [n for n in ALL if n != "whatsapp"])
def test_templates_are_refused_outside_whatsapp(name):
    found = problems(name, **GOOD[name], template="hello", language="en", variables={})
    assert found == [("template", "invalid_field"), ("language", "invalid_field"),
                     ("variables", "invalid_field")]


def test_email_needs_subject_and_text_or_html():
    assert send("email", to="a@example.com", subject="S", html="<p>hi</p>").html == "<p>hi</p>"
    both = send("email", to="a@example.com", subject="S", text="hi", html="<p>hi</p>")
    assert (both.text, both.html) == ("hi", "<p>hi</p>")
    assert problems("email", to="a@example.com", text="hi") == [("subject", "missing_field")]
    assert problems("email", to="a@example.com", subject="S") == [("text", "missing_field")]


def test_email_subject_must_be_one_line_to_prevent_header_injection():
    assert problems("email", to="a@example.com", subject="Hi\r\nBcc: x@evil.example",
                    text="hi") == [("subject", "invalid_field")]


def test_push_needs_title_and_text():
    assert problems("push", to=FCM_TOKEN, text="hi") == [("title", "missing_field")]
    assert problems("push", to=FCM_TOKEN, title="T") == [("text", "missing_field")]
    assert send("push", **GOOD["push"]).title == "New reply"


def test_fields_of_other_channels_are_refused():
    assert problems("sms", **GOOD["sms"], subject="S", html="<b>x</b>", title="T") == [
        ("subject", "invalid_field"), ("title", "invalid_field"), ("html", "invalid_field")]


def test_text_must_be_a_non_blank_string():
    assert problems("sms", to="+15551234567", text=42) == [("text", "invalid_field")]
    assert problems("sms", to="+15551234567", text="   ") == [("text", "invalid_field")]


def test_from_and_metadata_are_optional_and_kept():
    result = send("sms", **GOOD["sms"], **{"from": "Switchboard"}, metadata={"order": "A1"})
    assert (result.from_, result.metadata) == ("Switchboard", {"order": "A1"})
    plain = send("sms", **GOOD["sms"])
    assert (plain.from_, plain.metadata) == (None, {})


def test_bad_from_and_metadata_are_invalid_fields():
    assert problems("sms", **GOOD["sms"], **{"from": ""}, metadata=["x"]) == [
        ("from", "invalid_field"), ("metadata", "invalid_field")]
    assert problems("sms", **GOOD["sms"], metadata={"k": {"nested": 1}}) == [
        ("metadata.k", "invalid_field")]


# --- text limits ----------------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n in ALL if n != "email"])
def test_text_at_the_limit_passes_and_one_more_is_too_long(name):
    limit = get(name).max_length
    fields = {k: v for k, v in GOOD[name].items() if k != "text"}
    assert send(name, **fields, text="a" * limit).text == "a" * limit
    assert problems(name, **fields, text="a" * (limit + 1)) == [("text", "text_too_long")]


def test_email_subject_and_push_title_have_their_own_limits():
    assert problems("email", to="a@example.com", subject="s" * 999, text="x") == [
        ("subject", "text_too_long")]
    assert send("email", to="a@example.com", subject="s" * 998, text="x")
    assert problems("push", to=FCM_TOKEN, title="t" * 201, text="x") == [
        ("title", "text_too_long")]


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


# --- all errors together ---------------------------------------------------------------------


def test_all_problems_are_reported_together():
    with pytest.raises(ChannelValidationError) as caught:
        validate_send({"channel": "email", "to": "nobody", "subject": "s" * 1000, "title": "T"})
    error = caught.value
    assert [(e["param"], e["code"]) for e in error.errors] == [
        ("to", "invalid_email_address"), ("subject", "text_too_long"),
        ("title", "invalid_field"), ("text", "missing_field")]
    assert all(e["message"] for e in error.errors)
    # The top-level problem is the first error's, so the API renders it as registered.
    assert (error.entry.code, error.entry.status, error.param) == (
        "invalid_email_address", 422, "to")
    assert "3 more problems" in error.detail


# --- SMS segments ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("", Segments("GSM-7", 0, 0)),
    ("a" * 160, Segments("GSM-7", 1, 160)),
    ("a" * 161, Segments("GSM-7", 2, 161)),
    ("a" * 306, Segments("GSM-7", 2, 306)),
    ("a" * 307, Segments("GSM-7", 3, 307)),
    ("é" * 160, Segments("GSM-7", 1, 160)),
    ("ж" * 70, Segments("UCS-2", 1, 70)),
    ("ж" * 71, Segments("UCS-2", 2, 71)),
    ("ж" * 134, Segments("UCS-2", 2, 134)),
    ("ж" * 135, Segments("UCS-2", 3, 135)),
])
def test_segments_at_the_gsm7_and_ucs2_boundaries(text, expected):
    assert count_segments(text) == expected


@pytest.mark.parametrize("char", ["€", "{", "}", "[", "]", "~", "|", "^", "\\", "\f"])
def test_gsm7_extension_characters_count_two_septets(char):
    assert count_segments(char * 80) == Segments("GSM-7", 1, 80)
    assert count_segments(char * 81).segments == 2
    assert count_segments("a" * 158 + char) == Segments("GSM-7", 1, 159)
    assert count_segments("a" * 159 + char).segments == 2


def test_an_escape_sequence_is_never_split_across_parts():
    # 306 septets would fit two parts, but the euro sign cannot straddle the boundary.
    assert count_segments("a" * 152 + "€" + "a" * 152).segments == 3


def test_one_non_gsm_character_switches_the_whole_text_to_ucs2():
    assert count_segments("a" * 69 + "ç") == Segments("UCS-2", 1, 70)
    assert count_segments("a" * 70 + "ç").segments == 2


def test_emoji_count_two_utf16_units():
    assert count_segments("😀" * 35) == Segments("UCS-2", 1, 35)
    assert count_segments("😀" * 36).segments == 2
    # A 67-unit part holds 33 emoji, so 66 fill two parts and the 67th needs a third.
    assert count_segments("😀" * 66).segments == 2
    assert count_segments("😀" * 67).segments == 3


def test_a_surrogate_pair_is_never_split_across_parts():
    # 66 units + an emoji would straddle the 67-unit part boundary.
    assert count_segments("ж" * 66 + "😀" + "ж" * 66).segments == 3


def test_sms_sends_carry_segments_encoding_and_segment_price():
    result = send("sms", to="+15551234567", text="ж" * 71)
    assert (result.segments, result.encoding) == (2, "UCS-2")
    assert result.cost_estimate_micros == 2 * 7_900


def test_non_sms_sends_are_one_segment_without_encoding():
    result = send("rcs", to="+15551234567", text="ж" * 500)
    assert (result.segments, result.encoding) == (1, None)
    assert send("email", **GOOD["email"]).encoding is None


# --- pricing --------------------------------------------------------------------------------


def test_design_example_whatsapp_template_costs_0_012():
    result = send("whatsapp", to="+15551234567", template="order_confirmation", language="en",
                  variables={"name": "Nayeem"})
    assert (result.country_code, result.cost_estimate_micros) == ("1", 12_000)
    assert as_api(result.channel)["pricing"]["by_country_code"]["1"] == "0.012"


def test_sms_is_priced_by_country_calling_code_with_a_default():
    sms = get("sms")
    assert price(sms, "+15551234567") == 7_900
    assert price(sms, "+14165550123") == 7_900  # Canada shares +1
    assert price(sms, "+447700900123") == 40_000
    assert price(sms, "+6421234567") == 50_000  # New Zealand: not listed, default
    assert price(sms, "+15551234567", segments=3) == 3 * 7_900


def test_validated_phone_sends_carry_their_country_code():
    assert send("sms", to="+447700900123", text="hi").country_code == "44"
    assert send("sms", to="+447700900123", text="hi").cost_estimate_micros == 40_000
    assert send("email", **GOOD["email"]).country_code is None


def test_flat_channels_ignore_the_address_when_pricing():
    assert price(get("email"), "bob@example.com") == 1_000
    assert price(get("push"), FCM_TOKEN) == 100
    assert send("telegram", **GOOD["telegram"]).cost_estimate_micros == 1_000
