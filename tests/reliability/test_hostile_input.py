"""Hostile requests on every surface: bodies over the limit, JSON nested past any parser's
depth, invalid UTF-8, line breaks smuggled into names, subjects and senders, and text full of
emoji, right-to-left and zero-width characters. Each is a clear problem (never a 500) or is
handled correctly (stored and answered exactly as sent)."""

from __future__ import annotations

import pytest

from app.services.messaging import gateways
from tests.admin._inbox import make_team, sign_in
from tests.api._mobile import _sign_in
from tests.channels.gateways import _signing

LIMIT = 1024 * 1024
DEEP = ("[" * 100_000 + "]" * 100_000).encode()
NESTED_OBJECT = ('{"a":' * 50_000 + "1" + "}" * 50_000).encode()
BAD_UTF8 = b'{"channel": "sms", "to": "+15005550006", "text": "\xff\xfe\xc3\x28"}'
TRICKY = "Hi \u202eevil\u202c \u200bzero\u200d-width, שלום, مرحبا, 😀👩‍👩‍👧 \u0301"


@pytest.fixture
def team(app):
    return make_team(app, "Hostile")


@pytest.fixture
def surfaces(app, team, client):
    """A POST to each surface, signed in: (path, headers) by name."""
    agent = _sign_in(app.test_client(), "agent@hostile.example")
    assert agent.status_code in (200, 201), agent.json
    admin = sign_in(app, "admin@hostile.example")
    with app.app_context():
        webchat = gateways.add_gateway("webchat", "webchat", "Chat", partner_id=team.partner_id,
                                       environment="live",
                                       credentials={"webhook_secret": "s3cret"}).id
    return {
        "v1": (client, "/api/v1/messages", {"Authorization": f"Bearer {team.live_key}"}),
        "mobile": (client, "/api/mobile/auth/refresh", {
            "Authorization": f"Bearer {agent.json['access_token']}"}),
        "internal": (admin.client, "/api/internal/webhook_endpoints",
                     {"X-CSRFToken": admin.token}),
        "hooks": (client, f"/hooks/{webchat}", {}),
    }


def _problem(response, status: int, code: str | None = None) -> None:
    assert response.status_code == status, (response.status_code, response.get_data()[:300])
    assert response.mimetype == "application/problem+json"
    if code:
        assert response.json["code"] == code


@pytest.mark.parametrize("surface", ["v1", "mobile", "internal", "hooks"])
def test_a_body_over_the_limit_is_a_413_problem(surfaces, surface):
    client, path, headers = surfaces[surface]
    body = b'{"text": "' + b"x" * LIMIT + b'"}'
    _problem(client.post(path, data=body, content_type="application/json", headers=headers),
             413, "payload_too_large")


@pytest.mark.parametrize("surface", ["v1", "mobile", "internal", "hooks"])
@pytest.mark.parametrize("body", [DEEP, NESTED_OBJECT], ids=["deep-array", "deep-object"])
def test_json_nested_past_the_parsers_depth_is_a_clear_problem(surfaces, surface, body):
    client, path, headers = surfaces[surface]
    if surface == "hooks":
        headers = _signing.switchboard("s3cret", body)
    response = client.post(path, data=body, content_type="application/json", headers=headers)
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data()[:300])
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("surface", ["v1", "mobile", "internal", "hooks"])
def test_invalid_utf8_is_a_clear_problem(surfaces, surface):
    client, path, headers = surfaces[surface]
    if surface == "hooks":
        headers = _signing.switchboard("s3cret", BAD_UTF8)
    response = client.post(path, data=BAD_UTF8, content_type="application/json",
                           headers=headers)
    assert 400 <= response.status_code < 500, (response.status_code, response.get_data()[:300])
    assert response.mimetype == "application/problem+json"


def test_line_breaks_in_an_email_subject_or_sender_are_refused(app, team, client):
    auth = {"Authorization": f"Bearer {team.test_key}"}
    email = {"channel": "email", "to": "delivered@sandbox.switchboard.example",
             "text": "Hello"}
    subject = client.post("/api/v1/messages", headers=auth, json={
        **email, "subject": "Hi\r\nBcc: victim@example.com"})
    _problem(subject, 422)
    sender = client.post("/api/v1/messages", headers=auth, json={
        **email, "subject": "Hi", "from": "Shop\r\nBcc: victim@example.com <a@b.example>"})
    _problem(sender, 422)


def test_a_contact_name_with_line_breaks_is_stored_and_shown_escaped(app, team, client):
    auth = {"Authorization": f"Bearer {team.live_key}"}
    name = "Eve\r\nX-Injected: 1 <script>alert(1)</script>"
    created = client.post("/api/v1/contacts", headers=auth, json={
        "name": name, "identities": [{"channel": "sms", "address": "+15551230007"}]})
    assert created.status_code in (201, 422), created.json
    if created.status_code == 201:
        assert created.json["name"] == name
        assert "X-Injected" not in str(dict(created.headers))
        shown = sign_in(app, "admin@hostile.example").get(f"/admin/contacts/{created.json['id']}")
        page = shown.get_data(as_text=True)
        assert shown.status_code == 200 and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<script>alert(1)</script>" not in page


def test_emoji_rtl_and_zero_width_text_round_trips_and_counts_as_ucs2(app, team, client):
    auth = {"Authorization": f"Bearer {team.test_key}"}
    sent = client.post("/api/v1/messages", headers=auth, json={
        "channel": "sms", "to": "+15005550006", "text": TRICKY})
    assert sent.status_code == 202, sent.json
    assert sent.json["text"] == TRICKY
    again = client.get(f"/api/v1/messages/{sent.json['id']}", headers=auth)
    assert again.json["text"] == TRICKY
    contact = client.post("/api/v1/contacts", headers=auth, json={
        "name": TRICKY, "identities": [{"channel": "email", "address": "rtl@example.com"}]})
    assert contact.status_code == 201 and contact.json["name"] == TRICKY
