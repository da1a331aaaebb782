"""`POST /messages` refusals: each channel's rules, addresses and template variables."""

from __future__ import annotations

import pytest

from app.models import Contact, Message, WalletTransaction
from tests.api._messages import (
    EXAMPLE,
    ORDER_TEMPLATE,
    SMS,
    _count,
    _send_queue_args,
)

# --- Validation ---------------------------------------------------------------------------------

def _refused(api, payload, status=422):
    response = api.post("/messages", json=payload)
    assert response.status_code == status, response.json
    assert response.mimetype == "application/problem+json"
    return response.json


def test_an_unknown_field_is_refused(api):
    body = _refused(api, {**SMS, "priority": "high"})
    assert (body["code"], body["param"]) == ("unknown_field", "priority")


def test_from_underscore_is_not_an_alias_of_from(api):
    body = _refused(api, {**SMS, "from_": "ACME"})
    assert (body["code"], body["param"]) == ("unknown_field", "from_")


def test_channel_and_to_are_required(api):
    body = _refused(api, {"text": "Hi"})
    assert body["code"] == "missing_field"
    assert {e["param"] for e in body["errors"]} == {"channel", "to"}


def test_an_unknown_channel_is_named(api):
    body = _refused(api, {**SMS, "channel": "pager"})
    assert (body["code"], body["param"]) == ("unknown_channel", "channel")


@pytest.mark.parametrize(("payload", "param", "code"), [
    ({"channel": "sms", "to": "+15551234567"}, "text", "missing_field"),
    ({"channel": "rcs", "to": "+15551234567"}, "text", "missing_field"),
    ({"channel": "whatsapp", "to": "+15551234567"}, "template", "missing_field"),
    ({"channel": "whatsapp", "to": "+15551234567", "template": "order_confirmation"},
     "language", "missing_field"),
    ({"channel": "whatsapp", "to": "+15551234567", "template": "order_confirmation",
      "language": "en", "text": "Hi"}, "text", "invalid_field"),
    ({"channel": "email", "to": "ann@example.com", "text": "Hi"}, "subject", "missing_field"),
    ({"channel": "email", "to": "ann@example.com", "subject": "Hi"}, "text", "missing_field"),
    ({"channel": "push", "to": "fcm-token_" + "a" * 40, "text": "Hi"}, "title",
     "missing_field"),
    ({"channel": "push", "to": "fcm-token_" + "a" * 40, "title": "Hi"}, "text",
     "missing_field"),
    ({"channel": "messenger", "to": "6789012345"}, "text", "missing_field"),
    ({"channel": "instagram", "to": "178414"}, "text", "missing_field"),
    ({"channel": "telegram", "to": 42}, "text", "missing_field"),
    ({"channel": "viber", "to": "abc"}, "text", "missing_field"),
    ({"channel": "line", "to": "U4af"}, "text", "missing_field"),
    ({"channel": "webchat", "to": "visitor_42"}, "text", "missing_field"),
    ({"channel": "sms", "to": "+15551234567", "text": "Hi", "subject": "x"}, "subject",
     "invalid_field"),
    ({"channel": "sms", "to": "+15551234567", "text": "Hi", "template": "x"}, "template",
     "invalid_field"),
    ({"channel": "sms", "to": "+15551234567", "text": "x" * 1601}, "text", "text_too_long"),
    ({"channel": "sms", "to": "+15551234567", "text": "Hi", "variables": {"a": 1}},
     "variables.a", "invalid_field"),
    ({"channel": "sms", "to": "+15551234567", "text": "Hi", "metadata": {"k": {"x": 1}}},
     "metadata.k", "invalid_field"),
])
def test_each_channels_rules_are_enforced(api, payload, param, code):
    body = _refused(api, payload)
    assert any((e["param"], e["code"]) == (param, code) for e in body["errors"]), body


@pytest.mark.parametrize(("payload", "code"), [
    ({**SMS, "to": "15551234567"}, "invalid_phone_number"),
    ({**SMS, "to": "+1555"}, "invalid_phone_number"),
    ({**SMS, "to": "+1 555 CALL NOW"}, "invalid_phone_number"),
    ({**EXAMPLE, "to": "+999123"}, "invalid_phone_number"),
    ({"channel": "email", "to": "not-an-address", "subject": "Hi", "text": "Hi"},
     "invalid_email_address"),
    ({"channel": "email", "to": "ann@", "subject": "Hi", "text": "Hi"},
     "invalid_email_address"),
    ({"channel": "webchat", "to": "has space", "text": "Hi"}, "invalid_address"),
    ({"channel": "telegram", "to": "not a chat", "text": "Hi"}, "invalid_address"),
])
def test_bad_addresses_are_refused_with_their_own_code(api, payload, code):
    body = _refused(api, payload)
    assert (body["code"], body["param"]) == (code, "to")


def test_all_problems_are_reported_at_once(api):
    body = _refused(api, {"channel": "email", "to": "nope"})
    assert {(e["param"], e["code"]) for e in body["errors"]} == {
        ("to", "invalid_email_address"), ("subject", "missing_field"), ("text", "missing_field")}


def test_a_template_that_does_not_exist_is_refused(api, order_template):
    body = _refused(api, {**EXAMPLE, "template": "shipping_update"})
    assert (body["code"], body["param"]) == ("template_not_found", "template")
    assert "shipping_update" in body["detail"]


def test_a_template_in_another_language_is_not_found(api, order_template):
    body = _refused(api, {**EXAMPLE, "language": "fr"})
    assert body["code"] == "template_not_found"


def test_a_template_language_is_matched_however_it_is_spelled(api):
    api.post("/templates", json={**ORDER_TEMPLATE, "language": "en_US"})
    response = api.post("/messages", json={**EXAMPLE, "language": "en-us"})
    assert response.status_code == 202 and response.json["language"] == "en_US"


def test_missing_template_variables_are_named(api, order_template):
    body = _refused(api, {**EXAMPLE, "variables": {"name": "Nayeem"}})
    assert (body["code"], body["param"]) == ("missing_template_variables", "variables.order_id")
    assert [(e["param"], e["code"]) for e in body["errors"]] == [
        ("variables.order_id", "missing_template_variables"),
        ("variables.eta", "missing_template_variables")]


def test_omitting_variables_of_a_template_that_has_some_is_refused(api, order_template):
    payload = {key: value for key, value in EXAMPLE.items() if key != "variables"}
    body = _refused(api, payload)
    assert body["code"] == "missing_template_variables"
    assert len(body["errors"]) == 3


def test_unknown_template_variables_are_named(api, order_template):
    body = _refused(api, {**EXAMPLE, "variables": {**EXAMPLE["variables"], "coupon": "X1"}})
    assert (body["code"], body["param"]) == ("unknown_template_variables", "variables.coupon")
    assert len(body["errors"]) == 1


def test_missing_and_unknown_variables_are_reported_together(api, order_template):
    body = _refused(api, {**EXAMPLE, "variables": {"name": "N", "order_id": "1", "etA": "x"}})
    assert [(e["param"], e["code"]) for e in body["errors"]] == [
        ("variables.eta", "missing_template_variables"),
        ("variables.etA", "unknown_template_variables")]


def test_a_refused_send_writes_nothing_and_enqueues_nothing(app, api, order_template):
    _refused(api, {**EXAMPLE, "variables": {}})
    _refused(api, {**SMS, "to": "nope"})
    assert _count(app, Message) == 0 and _count(app, Contact) == 0
    assert _count(app, WalletTransaction, type="debit") == 0
    assert _send_queue_args(app) == []
