"""The console in real Chromium against a live server and worker: a key shown once that
works and then is revoked; a webhook endpoint that gets a test event, logs it and replays
it; the usage chart's bars; an evaluation request approved by an operator whose email (at a
local aiosmtpd server) carries a sandbox key that works."""

from __future__ import annotations

import re
from datetime import timedelta

import httpx
import pytest

from app.channels.gateways import Inbound
from app.extensions import db
from app.models.base import utcnow
from app.services.messaging import gateways, routing
from tests.admin._console import KEY, SECRET, SmtpInbox, body_of
from tests.admin._inbox import PASSWORD, make_team
from tests.e2e.conftest import shoot
from tests.factories import make_user
from tests.jobs._webhooks import Receiver

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smtp():
    with SmtpInbox() as inbox:
        yield inbox


@pytest.fixture(scope="module")
def server_settings(smtp):
    return {"WEBHOOK_ALLOW_HTTP": "true", "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
            "WEBHOOK_ALLOWED_PORTS": "*",
            "WEBHOOK_RETRY_DELAYS": "0,0", "PLATFORM_SMTP_URL": smtp.url,
            "PLATFORM_SMTP_STARTTLS": "false"}


@pytest.fixture
def team(app):
    return make_team(app)


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


def sign_in(page, email: str, password: str = PASSWORD) -> None:
    page.goto("/admin/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/(inbox|operator)"))


def _balance(live_server: str, key: str) -> httpx.Response:
    return httpx.get(live_server + "/api/v1/balance", headers={"Authorization": f"Bearer {key}"},
                     timeout=10)


def test_a_key_is_shown_once_works_and_stops_when_revoked(team, page, live_server):
    sign_in(page, "admin@acme.example")
    assert page.locator(".app-nav a:has-text('API keys')").get_attribute("href") == "/admin/keys"
    page.goto("/admin/keys")  # loaded, so htmx answers the form in place
    page.fill("#key-name", "browser key")
    page.select_option("#key-env", "sandbox")
    page.click("button:has-text('Create key')")
    shown = page.locator("#new-key #secret-value")
    shown.wait_for()
    key = shown.input_value()
    assert KEY.fullmatch(key) and key.startswith("ak_test_")
    assert page.locator("#new-key button[data-copy]").is_visible()  # the copy button
    shoot(page, "console-key-created")
    assert _balance(live_server, key).status_code == 200
    assert page.locator("#keys tr", has_text="browser key").count() == 1  # listed, unreloaded
    page.reload()
    assert key not in page.content()
    row = page.locator("#keys tr", has_text="browser key")
    assert key[-4:] in row.inner_text()
    row.locator("summary:has-text('Revoke')").click()
    row.locator("button:has-text('Revoke browser key')").click()
    page.locator("#flash", has_text="Key revoked").wait_for()
    refused = _balance(live_server, key)
    assert refused.status_code == 401 and refused.json()["code"] == "revoked_api_key"


def test_a_webhook_endpoint_gets_a_test_event_logs_it_and_replays_it(team, page, live_server,
                                                                     httpserver):
    receiver = Receiver(httpserver)
    sign_in(page, "admin@acme.example")
    page.goto("/admin/webhooks")
    page.fill("#endpoint-url", receiver.url)
    page.check("input[value='message.delivered']")
    page.click("button:has-text('Add endpoint')")
    secret = page.locator("#new-endpoint #secret-value").input_value()
    assert SECRET.fullmatch(secret)
    page.click("#new-endpoint a:has-text('Open the endpoint')")
    page.click("button:has-text('Send a test event')")
    page.locator("#flash", has_text="Test event sent").wait_for()
    # The worker delivers; the log, polling while a delivery is pending, shows it unreloaded.
    delivered = page.locator("#deliveries tr.delivery", has_text="succeeded")
    delivered.wait_for(timeout=20000)
    assert page.locator("#delivery-log[hx-trigger]").count() == 0  # polling has ended
    assert "webhook.test" in delivered.inner_text() and " ms" in delivered.inner_text()
    shoot(page, "console-webhook-log")
    delivered.locator("button:has-text('Replay')").click()
    page.locator("#flash", has_text="Replayed").wait_for()
    for _ in range(40):
        if len(receiver.requests) == 2:
            break
        page.wait_for_timeout(250)
    envelopes = receiver.verified(secret)
    assert [e["type"] for e in envelopes] == ["webhook.test"] * 2
    assert envelopes[0]["id"] == envelopes[1]["id"]


def test_the_usage_chart_has_one_bar_per_day(app, team, page, live_server):
    for to in ("+15005550006", "+15005550007"):
        sent = httpx.post(live_server + "/api/v1/messages", timeout=10,
                          headers={"Authorization": f"Bearer {team.live_key}"},
                          json={"channel": "sms", "to": to, "text": "hi"})
        assert sent.status_code == 202, sent.text
    sign_in(page, "admin@acme.example")
    today = utcnow().date()
    start = today - timedelta(days=9)
    page.goto(f"/admin/usage?from={start}&to={today}")
    bars = page.locator("#chart-messages g.bar")
    assert bars.count() == 10
    assert page.locator(f"#chart-messages g.bar[data-label='{today}'] rect").count() == 1
    assert page.locator("#table-messages tbody tr").count() == 10
    shoot(page, "console-usage")


def test_an_evaluation_approved_by_an_operator_emails_a_working_sandbox_key(
        app, page, chromium, live_server, smtp):
    with app.app_context():
        make_user("operator", None, email="ops@switchboard.example")
        db.session.remove()
    page.goto("/evaluation")
    page.fill("#company", "Umbrella Ltd")
    page.fill("#name", "Alice Wong")
    page.fill("#email", "alice@umbrella.example")
    page.check("input[name=channels][value=sms]")
    page.select_option("#monthly_volume", "10k-100k")
    page.fill("#use_case", "Order updates.")
    page.click("button:has-text('Request an evaluation')")
    page.wait_for_url(re.compile(r"/evaluation/thanks"))
    operator = chromium.new_context(base_url=live_server).new_page()
    sign_in(operator, "ops@switchboard.example")
    operator.click(".app-nav a:has-text('Evaluations')")
    operator.click("button:has-text('Approve Umbrella Ltd')")
    operator.locator("#flash", has_text="Approved").wait_for()
    operator.context.close()
    [mail] = [m for m in smtp.messages if m["To"] == "alice@umbrella.example"]
    key = KEY.search(body_of(mail)).group(0)
    balance = _balance(live_server, key)
    assert balance.status_code == 200 and balance.json()["environment"] == "sandbox"
    link = re.search(r"http://\S+(/admin/invitations/\S+)", body_of(mail)).group(1)
    page.goto(link)
    page.fill("#password", "a new long password")
    page.fill("#confirm", "a new long password")
    page.click("button:has-text('Set password')")
    sign_in(page, "alice@umbrella.example", "a new long password")
    page.click(".app-nav a:has-text('API keys')")
    assert page.locator("#keys tr", has_text="evaluation").count() == 1


def test_console_pages_pass_axe(app, team, chromium, live_server, axe):
    with app.app_context():
        make_user("operator", None, email="ops@switchboard.example")
        shared = gateways.add_gateway("sms", "twilio", "Platform Twilio", environment="live",
                                      credentials={"account_sid": "AC1", "auth_token": "t"})
        routing.add_route(shared.id, "+15550001111", team.partner_id)
        routing.hold(shared, Inbound(channel="sms", from_address="+15557654321",
                                     to_address="+15550002222", text="Hello?",
                                     provider_message_id="SMaxe"), "Body=Hello%3F")
        db.session.remove()
    context = chromium.new_context(base_url=live_server, bypass_csp=True)
    page = context.new_page()
    page.goto("/evaluation")
    assert axe(page) == [], "/evaluation"
    sign_in(page, "admin@acme.example")
    for path in ("/admin/keys", "/admin/webhooks", "/admin/wallet", "/admin/usage",
                 "/admin/team", "/admin/audit", "/admin/contacts", "/admin/templates",
                 "/admin/canned"):
        page.goto(path)
        assert axe(page) == [], path
    page.goto("/admin/wallet")
    shoot(page, "console-wallet")
    context.clear_cookies()
    sign_in(page, "ops@switchboard.example")
    for path in ("/admin/operator/", f"/admin/operator/partners/{team.partner_id}",
                 "/admin/operator/gateways", "/admin/operator/routing",
                 "/admin/operator/prices", "/admin/operator/evaluations"):
        page.goto(path)
        assert axe(page) == [], path
    context.close()
