"""The channel registry: the eleven channels, capabilities, the API shape and pricing."""

from __future__ import annotations

import pytest

from app import errors as error_codes
from app.channels import all_channels, as_api, get, price
from tests.channels._samples import ALL, FCM_TOKEN, GOOD, send

# --- the registry ---------------------------------------------------------------------------


def test_registry_holds_the_eleven_channels_in_matrix_order():
    assert [c.name for c in all_channels()] == ALL
    assert all(get(name).name == name for name in ALL)


def test_get_returns_none_for_unknown_or_non_string_names():
    assert get("fax") is None
    assert get("SMS") is None
    assert get(None) is None


def test_capabilities_follow_the_design_matrix():
    """The documented matrix (docs/channels.md), with read receipts for viber (its `seen`
    event) and our own web chat."""
    receipts = {c.name: (c.delivery_receipts, c.read_receipts) for c in all_channels()}
    assert receipts == {
        "whatsapp": (True, True), "sms": (True, False), "rcs": (True, True),
        "email": (True, False), "messenger": (True, True), "instagram": (False, True),
        "telegram": (False, False), "viber": (True, True), "line": (False, False),
        "webchat": (True, True), "push": (False, False)}
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
