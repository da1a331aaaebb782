"""Outbound webhooks that fail: retries until a 2xx or the schedule is spent, 410 Gone,
redirects, Retry-After, timeouts, and URLs or secrets refused at delivery time."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from werkzeug import Response

from app.extensions import db
from app.models import WebhookAttempt, WebhookDelivery
from app.models.base import isoformat
from app.services.webhooks import sender as webhook_sender
from app.services.webhooks import ssrf
from tests.jobs._webhooks import Receiver, _endpoint, _event, _log

# Failures and retries


def test_failures_are_retried_until_a_2xx(app, tenant, drain, local, receiver):
    receiver.script = [Response("down", status=500), Response("busy", status=503),
                       Response(status=204)]
    endpoint = _endpoint(tenant.live, receiver.url)
    event_id = _event(app, tenant.partner_id)
    drain()
    assert [e["id"] for e in receiver.verified(endpoint["secret"])] == [event_id] * 3
    assert len({headers["Webhook-Id"] for _, headers in receiver.requests}) == 1
    [delivery] = _log(tenant.live, endpoint["id"])
    assert (delivery["status"], delivery["attempt_count"], delivery["last_error"]) == (
        "succeeded", 3, None)
    assert [a["status_code"] for a in delivery["attempts"]] == [500, 503, 204]
    assert [a["response_excerpt"] for a in delivery["attempts"]] == ["down", "busy", None]


def test_a_delivery_fails_when_the_schedule_is_spent(app, tenant, drain, local, receiver):
    receiver.default = Response("nope", status=500)
    endpoint = _endpoint(tenant.live, receiver.url)
    _event(app, tenant.partner_id)
    drain()
    assert len(receiver.requests) == 4
    [delivery] = _log(tenant.live, endpoint["id"])
    assert (delivery["status"], delivery["attempt_count"], delivery["next_attempt_at"]) == (
        "failed", 4, None)


def test_410_gone_disables_the_endpoint_and_stops(app, tenant, drain, local, receiver):
    receiver.default = Response("gone", status=410)
    endpoint = _endpoint(tenant.live, receiver.url)
    _event(app, tenant.partner_id)
    drain()
    assert len(receiver.requests) == 1
    shown = tenant.live.get(f"/webhook_endpoints/{endpoint['id']}").json
    assert shown["status"] == "disabled" and "410" in shown["disabled_reason"]
    [delivery] = _log(tenant.live, endpoint["id"])
    assert (delivery["status"], delivery["last_status_code"]) == ("failed", 410)
    _event(app, tenant.partner_id)
    drain()
    assert len(receiver.requests) == 1 and len(_log(tenant.live, endpoint["id"])) == 1


def test_redirects_are_failures_and_never_followed(app, tenant, drain, local, receiver):
    elsewhere = HTTPServer()
    elsewhere.start()
    try:
        hits = Receiver(elsewhere, "/stolen")
        receiver.default = Response(status=307, headers={"Location": hits.url})
        endpoint = _endpoint(tenant.live, receiver.url)
        _event(app, tenant.partner_id)
        drain()
    finally:
        elsewhere.clear()
        elsewhere.stop()
    assert hits.requests == []
    assert len(receiver.requests) == 4  # every attempt of the schedule, none followed
    [delivery] = _log(tenant.live, endpoint["id"])
    assert delivery["status"] == "failed" and delivery["last_status_code"] == 307
    assert "redirects are not followed" in delivery["last_error"]


def test_retry_after_postpones_the_next_attempt(app, tenant, drain, local, receiver):
    receiver.default = Response("slow down", status=429, headers={"Retry-After": "120"})
    endpoint = _endpoint(tenant.live, receiver.url)
    _event(app, tenant.partner_id)
    drain()
    assert len(receiver.requests) == 1
    with app.app_context():
        delivery = db.session.scalars(select(WebhookDelivery)).one()
        attempt = db.session.scalars(select(WebhookAttempt)).one()
        assert (delivery.status, delivery.attempt_count) == ("pending", 1)
        waited = (delivery.next_attempt_at - attempt.created_at).total_seconds()
        assert 119 <= waited <= 121
    [shown] = _log(tenant.live, endpoint["id"])
    assert shown["next_attempt_at"] == isoformat(delivery.next_attempt_at)


def test_retry_after_is_read_as_seconds_or_an_http_date():
    now = datetime(2026, 5, 23, 14, 0, 0, tzinfo=UTC)
    assert webhook_sender.retry_after("120") == 120
    assert webhook_sender.retry_after("Sat, 23 May 2026 14:05:00 GMT", now) == 300
    assert webhook_sender.retry_after("Sat, 23 May 2026 13:05:00 GMT", now) == 0
    assert webhook_sender.retry_after("soon") is None
    assert webhook_sender.retry_after(None) is None


def test_a_slow_endpoint_times_out_and_only_a_kilobyte_is_kept(app, tenant, drain, local,
                                                               receiver):
    local("WEBHOOK_RETRY_DELAYS", "0,0")
    local("WEBHOOK_TIMEOUT_SECONDS", 1)

    def slow_once(number: int) -> Response:
        if number == 1:
            time.sleep(1.5)
        return Response("x" * 5000, status=200)

    receiver.answer = slow_once
    endpoint = _endpoint(tenant.live, receiver.url)
    _event(app, tenant.partner_id)
    drain()
    [delivery] = _log(tenant.live, endpoint["id"])
    first, second = delivery["attempts"]
    assert first["status_code"] is None and "timed out" in first["error"]
    assert second["status_code"] == 200 and second["response_excerpt"] == "x" * 1024


# SSRF at delivery


@pytest.mark.parametrize(("url", "allowed", "reason"), [
    (None, "127.0.0.0/8,::1/128", "loopback"),
    ("http://169.254.169.254/latest/meta-data/", "169.254.0.0/16", "link-local"),
    ("http://10.0.0.9/hook", "10.0.0.0/8", "private"),
])
def test_urls_are_checked_again_at_every_delivery(app, tenant, drain, local, receiver, url,
                                                  allowed, reason):
    local("WEBHOOK_ALLOWED_NETWORKS", allowed)
    endpoint = _endpoint(tenant.live, url or receiver.url)
    local("WEBHOOK_ALLOWED_NETWORKS", "")  # e.g. the DNS answer changed since
    local("WEBHOOK_TIMEOUT_SECONDS", 1)
    _event(app, tenant.partner_id)
    drain()
    assert receiver.requests == []
    [delivery] = _log(tenant.live, endpoint["id"])
    assert delivery["status"] == "failed" and len(delivery["attempts"]) == 4
    for attempt in delivery["attempts"]:
        assert attempt["status_code"] is None and attempt["latency_ms"] is None
        # The partner sees the rule, never what our resolver answered (our log has it).
        assert attempt["error"] == "refused: the URL " + ssrf.NOT_PUBLIC
        assert reason not in attempt["error"]


def test_a_secret_that_no_longer_decrypts_fails_the_delivery_with_the_reason(
        app, tenant, drain, local, receiver):
    endpoint = _endpoint(tenant.live, receiver.url)
    local("GATEWAY_CREDENTIALS_KEY", "a-key-that-did-not-seal-it")
    _event(app, tenant.partner_id)
    drain()
    assert receiver.requests == []
    [delivery] = _log(tenant.live, endpoint["id"])
    assert (delivery["status"], delivery["attempts"]) == ("failed", [])
    assert "does not decrypt" in delivery["last_error"]
