"""Webhook endpoints that keep failing: disabled after WEBHOOK_DISABLE_AFTER_HOURS of an
unbroken failing streak, their admins emailed, a console banner, and re-enabling (API or
console) delivering what was missed. Real burst workers, a local receiver that fails, and
the clock set in the data (`failing_since` in the past), never by sleeping."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from werkzeug import Response

from app.extensions import db
from app.models import WebhookEndpoint
from app.models.base import utcnow
from app.services import tx
from tests.admin._console import SmtpInbox, submit
from tests.admin._inbox import make_team, sign_in
from tests.factories import ApiClient
from tests.jobs._webhooks import _endpoint, _event, _log


@pytest.fixture
def team(app):
    return make_team(app)


@pytest.fixture
def api(app, team) -> ApiClient:
    return ApiClient(app.test_client(), team.live_key)


@pytest.fixture
def inbox(app, monkeypatch):
    """The platform's mail relay: a local SMTP server the worker's notices go through."""
    with SmtpInbox() as smtp:
        monkeypatch.setitem(app.config, "PLATFORM_SMTP_URL", smtp.url)
        monkeypatch.setitem(app.config, "PLATFORM_SMTP_STARTTLS", False)
        yield smtp


def _failing_for(app, endpoint_id: str, hours: float) -> None:
    """Set the clock in the data: the endpoint's failing streak began `hours` ago."""
    with app.app_context():
        db.session.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
                           .values(failing_since=utcnow() - timedelta(hours=hours)))
        tx.commit()


def _ids(receiver, secret: str) -> list[str]:
    return [envelope["id"] for envelope in receiver.verified(secret)]


def test_an_endpoint_failing_past_the_limit_is_disabled_its_admins_told_and_enabling_replays(
        app, team, api, drain, local, receiver, inbox):
    receiver.default = Response("down", status=503)
    endpoint = _endpoint(api, receiver.url)
    _failing_for(app, endpoint["id"], 121)
    missed_first = _event(app, team.partner_id)
    drain()
    assert len(receiver.requests) == 1  # disabled by this failure: no retries after it
    shown = api.get(f"/webhook_endpoints/{endpoint['id']}").json
    assert shown["status"] == "disabled" and "120 hours" in shown["disabled_reason"]
    assert shown["disabled_at"] is not None and shown["failing_since"] is not None
    [delivery] = _log(api, endpoint["id"])
    assert delivery["status"] == "failed"

    [notice] = inbox.messages  # to the one admin, not to the agents
    assert notice["To"] == "admin@acme.example"
    assert "endpoint.disabled" in notice["Subject"]
    body = notice.get_payload(decode=True).decode()
    assert endpoint["id"] in body and receiver.url in body and "120 hours" in body

    page = sign_in(app, "admin@acme.example").get("/admin/webhooks").get_data(as_text=True)
    assert f'id="disabled-{endpoint["id"]}"' in page and "120 hours" in page

    missed_later = _event(app, team.partner_id)  # recorded while disabled: no delivery
    drain()
    assert len(receiver.requests) == 1

    receiver.default = Response(status=204)
    enabled = api.patch(f"/webhook_endpoints/{endpoint['id']}", json={"status": "enabled"})
    assert enabled.status_code == 200, enabled.json
    assert enabled.json["disabled_at"] is None and enabled.json["failing_since"] is None
    drain()
    assert _ids(receiver, endpoint["secret"])[1:] == [missed_first, missed_later]
    assert [h["Webhook-Id"] for _, h in receiver.requests[1:]] == [missed_first, missed_later]
    assert len(inbox.messages) == 1


def test_a_streak_shorter_than_the_limit_keeps_the_endpoint_and_a_success_resets_it(
        app, team, api, drain, local, receiver, inbox):
    receiver.script = [Response("down", status=500)]
    endpoint = _endpoint(api, receiver.url)
    _failing_for(app, endpoint["id"], 119)
    _event(app, team.partner_id)
    drain()
    assert len(receiver.requests) == 2  # one failure, then the retry succeeded
    shown = api.get(f"/webhook_endpoints/{endpoint['id']}").json
    assert (shown["status"], shown["failing_since"]) == ("enabled", None)
    assert inbox.messages == []


def test_the_streak_starts_at_the_first_failure_and_the_limit_is_configurable(
        app, team, api, drain, local, receiver, inbox):
    receiver.default = Response("down", status=500)
    endpoint = _endpoint(api, receiver.url)
    _event(app, team.partner_id)
    drain()
    shown = api.get(f"/webhook_endpoints/{endpoint['id']}").json
    assert shown["status"] == "enabled" and shown["failing_since"] is not None
    page = sign_in(app, "admin@acme.example").get("/admin/webhooks").get_data(as_text=True)
    assert f'id="failing-{endpoint["id"]}"' in page
    local("WEBHOOK_DISABLE_AFTER_HOURS", 0.0)
    _event(app, team.partner_id)
    drain()
    shown = api.get(f"/webhook_endpoints/{endpoint['id']}").json
    assert shown["status"] == "disabled" and len(inbox.messages) == 1


def test_410_disables_at_once_and_tells_the_admins(app, team, api, drain, local, receiver,
                                                  inbox):
    receiver.default = Response("gone", status=410)
    endpoint = _endpoint(api, receiver.url)
    _event(app, team.partner_id)
    drain()
    assert api.get(f"/webhook_endpoints/{endpoint['id']}").json["status"] == "disabled"
    [notice] = inbox.messages
    assert "410" in notice.get_payload(decode=True).decode()


def test_enabling_in_the_console_delivers_only_what_was_missed(app, team, api, drain, local,
                                                               receiver):
    endpoint = _endpoint(api, receiver.url)
    delivered = _event(app, team.partner_id)
    drain()
    admin = sign_in(app, "admin@acme.example")
    path = f"/api/internal/webhook_endpoints/{endpoint['id']}"
    assert submit(admin, path, {"status": "disabled"}).status_code < 300
    missed = _event(app, team.partner_id)
    other_environment = _event(app, team.partner_id, environment="sandbox")
    drain()
    banner = admin.get(f"/admin/webhooks/{endpoint['id']}").get_data(as_text=True)
    assert f'id="disabled-{endpoint["id"]}"' in banner
    assert submit(admin, path, {"status": "enabled"}).status_code < 300
    drain()
    assert _ids(receiver, endpoint["secret"]) == [delivered, missed]
    assert other_environment not in _ids(receiver, endpoint["secret"])
    page = admin.get("/admin/webhooks").get_data(as_text=True)
    assert "webhook-disabled" not in page
