"""Channel rules on a send: required and refused fields per channel, text limits."""

from __future__ import annotations

import pytest

from app.channels import ChannelValidationError, get, validate_send
from tests.channels._samples import ALL, FCM_TOKEN, GOOD, problems, send

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
