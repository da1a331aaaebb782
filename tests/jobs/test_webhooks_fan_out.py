"""Outbound webhooks end to end: events fan out once to every subscribed endpoint, signed
with Standard Webhooks (both secrets while a rotation overlaps); a real burst worker posts to
real receivers (pytest-httpserver) and every delivery is verified with `standardwebhooks`."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from app.extensions import db
from app.models import Event, WebhookDelivery, WebhookEndpoint
from app.models.base import utcnow
from app.services import dispatch
from app.services.webhooks import endpoints as webhooks
from tests.jobs._webhooks import ENVELOPE, Receiver, _endpoint, _event, _log

# The happy path


def test_a_sandbox_send_posts_signed_sent_then_delivered_events(app, tenant, drain, local,
                                                                 receiver):
    endpoint = _endpoint(tenant.sandbox, receiver.url)
    sent = tenant.sandbox.post("/messages", json={"channel": "sms", "to": "+15005550006",
                                                  "text": "hello"})
    assert sent.status_code == 202
    before = int(time.time())
    drain()
    after = int(time.time())
    envelopes = receiver.verified(endpoint["secret"])
    assert [e["type"] for e in envelopes] == ["message.sent", "message.delivered"]
    for envelope, (body, headers) in zip(envelopes, receiver.requests, strict=True):
        assert list(envelope) == ENVELOPE
        assert envelope["environment"] == "sandbox" and envelope["data"]["id"] == sent.json["id"]
        assert headers["Webhook-Id"] == envelope["id"] and envelope["id"].startswith("evt_")
        assert headers["Content-Type"] == "application/json"
        assert headers["User-Agent"].startswith("Switchboard-Webhooks/")
        assert before <= int(headers["Webhook-Timestamp"]) <= after  # stamped when sent
    assert [e["data"]["status"] for e in envelopes] == ["sent", "delivered"]
    log = _log(tenant.sandbox, endpoint["id"])
    assert [d["event_type"] for d in log] == ["message.delivered", "message.sent"]
    for delivery in log:
        assert (delivery["status"], delivery["attempt_count"], delivery["last_status_code"]) == (
            "succeeded", 1, 200)
        [attempt] = delivery["attempts"]
        assert attempt["status_code"] == 200 and attempt["response_excerpt"] == "ok"
        assert attempt["latency_ms"] >= 0 and attempt["error"] is None


def test_the_event_filter_decides_which_endpoints_get_an_event(app, tenant, drain, local,
                                                               httpserver):
    everything, delivered_only = Receiver(httpserver, "/all"), Receiver(httpserver, "/some")
    _endpoint(tenant.sandbox, everything.url)
    filtered = _endpoint(tenant.sandbox, delivered_only.url, event_types=["message.delivered"])
    tenant.sandbox.post("/messages", json={"channel": "sms", "to": "+15005550006", "text": "x"})
    drain()
    assert len(everything.requests) == 2
    assert [e["type"] for e in delivered_only.verified(filtered["secret"])] == [
        "message.delivered"]


def test_fan_out_happens_once_and_includes_the_platform_endpoint(app, tenant, drain, local,
                                                                 httpserver):
    partner, platform = Receiver(httpserver, "/partner"), Receiver(httpserver, "/platform")
    mine = _endpoint(tenant.live, partner.url)
    with app.app_context():
        _, platform_secret = webhooks.set_platform_endpoint(tenant.partner_id, "live",
                                                            platform.url)
    event_id = _event(app, tenant.partner_id)
    with app.app_context():
        first = dispatch.dispatch(event_id).deliveries
        assert len(first) == 2
        assert dispatch.dispatch(event_id) == dispatch.Dispatched()  # the queued job finds it done
    drain()
    with app.app_context():
        assert len(db.session.scalars(select(WebhookDelivery)).all()) == 2
        assert db.session.get(Event, event_id).dispatched_at is not None
    assert [e["id"] for e in partner.verified(mine["secret"])] == [event_id]
    assert [e["id"] for e in platform.verified(platform_secret)] == [event_id]
    assert tenant.sandbox.get("/webhook_endpoints").json["data"] == []
    assert [e["id"] for e in tenant.live.get("/webhook_endpoints").json["data"]] == [mine["id"]]


def test_events_of_another_environment_are_not_sent(app, tenant, drain, local, receiver):
    _endpoint(tenant.live, receiver.url)
    _event(app, tenant.partner_id, environment="sandbox")
    drain()
    assert receiver.requests == []


# Secret rotation


def test_rotation_signs_with_both_secrets_during_the_overlap_then_the_new_one(
        app, tenant, drain, local, receiver):
    old = _endpoint(tenant.live, receiver.url)
    new = tenant.live.post(f"/webhook_endpoints/{old['id']}/rotate_secret",
                           json={"expires_in_hours": 24}).json
    _event(app, tenant.partner_id)
    drain()
    [(body, headers)] = receiver.requests
    assert len(headers["Webhook-Signature"].split(" ")) == 2
    for secret in (old["secret"], new["secret"]):
        assert Webhook(secret).verify(body, headers)["type"] == "conversation.assigned"
    with app.app_context():  # the overlap ends
        endpoint = db.session.get(WebhookEndpoint, old["id"])
        endpoint.previous_secret_expires_at = utcnow() - timedelta(seconds=1)
        db.session.commit()
    _event(app, tenant.partner_id)
    drain()
    body, headers = receiver.requests[1]
    assert len(headers["Webhook-Signature"].split(" ")) == 1
    assert Webhook(new["secret"]).verify(body, headers)["type"] == "conversation.assigned"
    with pytest.raises(WebhookVerificationError):
        Webhook(old["secret"]).verify(body, headers)
