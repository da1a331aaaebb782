"""Outbound webhooks end to end: events → fan-out → a real burst worker → real receivers
(pytest-httpserver), every delivery verified with the `standardwebhooks` package."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import psutil
import pytest
from pytest_httpserver import HTTPServer
from sqlalchemy import select
from standardwebhooks.webhooks import Webhook, WebhookVerificationError
from werkzeug import Request, Response

from app.extensions import db, redis_connection
from app.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from app.models.base import isoformat, utcnow
from app.services import events, maintenance, tx, webhook_delivery, webhook_sender, webhooks

ENVELOPE = ["id", "type", "created_at", "environment", "data"]


@pytest.fixture
def local(app, monkeypatch):
    """Let webhooks reach the local test receivers, and retry at once (four attempts)."""
    settings = {"WEBHOOK_ALLOW_HTTP": True, "WEBHOOK_ALLOWED_NETWORKS": "127.0.0.0/8,::1/128",
                "WEBHOOK_RETRY_DELAYS": "0,0,0,0", "WEBHOOK_TIMEOUT_SECONDS": 5}
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)
    return lambda key, value: monkeypatch.setitem(app.config, key, value)


class Receiver:
    """A partner's endpoint on pytest-httpserver: records requests, answers from a script."""

    def __init__(self, server: HTTPServer, path: str = "/hook"):
        self.url = server.url_for(path)
        self.requests: list[tuple[bytes, dict]] = []
        self.script: list[Response] = []
        self.default = Response("ok", status=200)
        # Set to answer request number n (1-based) yourself, e.g. slowly.
        self.answer: Callable[[int], Response] | None = None
        server.expect_request(path, method="POST").respond_with_handler(self._handle)

    def _handle(self, request: Request) -> Response:
        self.requests.append((request.get_data(), dict(request.headers)))
        if self.answer is not None:
            return self.answer(len(self.requests))
        return self.script.pop(0) if self.script else self.default

    def verified(self, secret: str) -> list[dict]:
        """Every request's envelope, each one verified with the secret."""
        return [Webhook(secret).verify(body, headers) for body, headers in self.requests]


@pytest.fixture
def receiver(httpserver) -> Receiver:
    return Receiver(httpserver)


def _endpoint(client, url: str, **fields) -> dict:
    response = client.post("/webhook_endpoints", json={"url": url, **fields})
    assert response.status_code == 201, response.json
    return response.json


def _event(app, partner_id: str, environment: str = "live",
           event_type: str = "conversation.assigned") -> str:
    with app.app_context():
        event = events.record(partner_id, environment, event_type,
                              {"id": "cnv_01HNQX2P8Y9R3T4V5W6Z7A8B9C", "object": "conversation"})
        tx.commit()  # enqueues the fan-out
        return event.id


def _log(client, endpoint_id: str) -> list[dict]:
    response = client.get(f"/webhook_endpoints/{endpoint_id}/deliveries")
    assert response.status_code == 200, response.json
    return response.json["data"]


# The happy path


def test_a_sandbox_send_posts_signed_sent_then_delivered_events(app, tenant, drain, local,
                                                                 receiver):
    endpoint = _endpoint(tenant.sandbox, receiver.url)
    sent = tenant.sandbox.post("/messages", json={"channel": "sms", "to": "+15005550006",
                                                  "text": "hello"})
    assert sent.status_code == 202
    drain()
    envelopes = receiver.verified(endpoint["secret"])
    assert [e["type"] for e in envelopes] == ["message.sent", "message.delivered"]
    for envelope, (body, headers) in zip(envelopes, receiver.requests, strict=True):
        assert list(envelope) == ENVELOPE
        assert envelope["environment"] == "sandbox" and envelope["data"]["id"] == sent.json["id"]
        assert headers["Webhook-Id"] == envelope["id"] and envelope["id"].startswith("evt_")
        assert headers["Content-Type"] == "application/json"
        assert headers["User-Agent"].startswith("Switchboard-Webhooks/")
        assert abs(int(headers["Webhook-Timestamp"]) - time.time()) < 60
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
        first = webhook_delivery.fan_out(event_id)
        assert len(first) == 2
        assert webhook_delivery.fan_out(event_id) == []  # the queued job will find it done
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


# Replay


def test_a_failed_delivery_is_replayed_as_a_new_delivery_of_the_same_event(
        app, tenant, drain, local, receiver):
    local("WEBHOOK_RETRY_DELAYS", "0")
    receiver.script = [Response(status=500)]
    endpoint = _endpoint(tenant.live, receiver.url)
    event_id = _event(app, tenant.partner_id)
    drain()
    [failed] = _log(tenant.live, endpoint["id"])
    assert failed["status"] == "failed"
    replayed = tenant.live.post(
        f"/webhook_endpoints/{endpoint['id']}/deliveries/{failed['id']}/replay")
    assert replayed.status_code == 202, replayed.json
    assert (replayed.json["event_id"], replayed.json["status"]) == (event_id, "pending")
    assert replayed.json["id"] != failed["id"]
    drain()
    assert [e["id"] for e in receiver.verified(endpoint["secret"])] == [event_id] * 2
    log = {d["id"]: d["status"] for d in _log(tenant.live, endpoint["id"])}
    assert log == {failed["id"]: "failed", replayed.json["id"]: "succeeded"}


def test_replay_since_resends_the_failed_deliveries_since_then_once(app, tenant, drain, local,
                                                                     receiver):
    local("WEBHOOK_RETRY_DELAYS", "0")
    receiver.default = Response(status=502)
    endpoint = _endpoint(tenant.live, receiver.url)
    ids = [_event(app, tenant.partner_id) for _ in range(3)]
    drain()
    assert len(receiver.requests) == 3
    with app.app_context():  # the first failed two hours ago
        oldest = db.session.scalar(select(WebhookDelivery).where(
            WebhookDelivery.event_id == ids[0]))
        oldest.created_at = utcnow() - timedelta(hours=2)
        db.session.commit()
    receiver.default = Response("ok", status=200)
    since = isoformat(utcnow() - timedelta(hours=1))
    response = tenant.live.post(f"/webhook_endpoints/{endpoint['id']}/replay",
                                json={"since": since})
    assert response.status_code == 202, response.json
    assert response.json == {"object": "webhook_replay", "endpoint_id": endpoint["id"],
                             "since": since, "replayed": 2, "has_more": False}
    drain()
    assert [e["id"] for e in receiver.verified(endpoint["secret"])[3:]] == ids[1:]
    again = tenant.live.post(f"/webhook_endpoints/{endpoint['id']}/replay",
                             json={"since": since})
    assert again.json["replayed"] == 0


def test_replaying_to_a_disabled_endpoint_is_refused(app, tenant, drain, local, receiver):
    endpoint = _endpoint(tenant.live, receiver.url)
    tenant.live.patch(f"/webhook_endpoints/{endpoint['id']}", json={"status": "disabled"})
    response = tenant.live.post(f"/webhook_endpoints/{endpoint['id']}/replay",
                                json={"since": "2020-01-01T00:00:00Z"})
    assert response.status_code == 409 and response.json["code"] == "conflict"


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
        assert attempt["error"].startswith("refused: the URL resolves to")
        assert reason in attempt["error"]


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


# Never lost, never twice


def test_a_claimed_delivery_is_not_claimed_again_until_its_lease_ends(app, tenant, local,
                                                                       receiver):
    _endpoint(tenant.live, receiver.url)
    event_id = _event(app, tenant.partner_id)
    with app.app_context():
        [delivery_id] = webhook_delivery.fan_out(event_id)
        assert webhook_delivery.claim(delivery_id) is not None
        assert webhook_delivery.claim(delivery_id) is None
        assert webhook_delivery.deliveries_due_for_sweep() == []


def test_the_sweeper_fans_out_lost_events_and_resumes_expired_leases(app, tenant, drain, local,
                                                                     receiver):
    endpoint = _endpoint(tenant.live, receiver.url)
    local("STALE_QUEUED_SECONDS", 0)
    with app.app_context():  # committed without its fan-out job (Redis was down)
        lost = events.record(tenant.partner_id, "live", "contact.identified", {"id": "con_1"})
        db.session.commit()
        lost_id = lost.id
    with app.app_context():
        found = maintenance.sweep()
    assert found == {"messages": 0, "events": 1, "webhook_deliveries": 0}
    drain()
    assert [e["id"] for e in receiver.verified(endpoint["secret"])] == [lost_id]

    local("WEBHOOK_LEASE_SECONDS", 0)
    claimed_id = _event(app, tenant.partner_id)
    with app.app_context():  # a worker claims the delivery, then dies before sending
        [delivery_id] = webhook_delivery.fan_out(claimed_id)
        assert webhook_delivery.claim(delivery_id) is not None
        redis_connection.client.flushdb()  # its job is gone with the worker
        assert maintenance.sweep()["webhook_deliveries"] == 1
    drain()
    assert [e["id"] for e in receiver.verified(endpoint["secret"])] == [lost_id, claimed_id]
    with app.app_context():
        delivery = db.session.get(WebhookDelivery, delivery_id)
        assert (delivery.status, delivery.attempt_count) == ("succeeded", 2)


def _worker_env(app, **extra) -> dict:
    env = dict(os.environ, SWITCHBOARD_ENV="testing", INSTANCE_PATH=app.instance_path,
               DATABASE_URL=os.environ.get("DATABASE_URL")
               or app.config["SQLALCHEMY_DATABASE_URI"],
               REDIS_URL=redis_connection.url(app))
    env.update({k: str(v) for k, v in extra.items()})
    return env


@pytest.mark.slow
def test_a_worker_killed_mid_delivery_is_finished_by_another(app, tenant, local, httpserver):
    reached, release = threading.Event(), threading.Event()
    receiver = Receiver(httpserver)

    def hold_the_first(number: int) -> Response:
        if number == 1:
            reached.set()
            release.wait(30)  # the first worker dies while we hold its request
        return Response("ok")

    receiver.answer = hold_the_first
    endpoint = _endpoint(tenant.live, receiver.url)
    _event(app, tenant.partner_id)
    env = _worker_env(app, WEBHOOK_ALLOW_HTTP=1, WEBHOOK_ALLOWED_NETWORKS="127.0.0.0/8,::1/128",
                      WEBHOOK_LEASE_SECONDS=1, STALE_QUEUED_SECONDS=0)
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker", "--burst"]
    cwd = os.path.dirname(app.root_path)
    first = subprocess.Popen(command, env=env, cwd=cwd, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert reached.wait(60), "the first worker never reached the endpoint"
        for process in [*psutil.Process(first.pid).children(recursive=True),
                        psutil.Process(first.pid)]:
            process.send_signal(signal.SIGKILL)
        first.wait(30)
    finally:
        release.set()
    with app.app_context():
        stuck = db.session.scalars(select(WebhookDelivery)).one()
        assert (stuck.status, stuck.attempt_count) == ("pending", 1)
        lease_end = stuck.next_attempt_at
    while time.time() < lease_end.timestamp() + 0.1:
        time.sleep(0.05)
    second = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True,
                            timeout=120)
    assert second.returncode == 0, second.stderr[-3000:]
    envelopes = receiver.verified(endpoint["secret"])
    assert len(envelopes) == 2 and envelopes[0] == envelopes[1]
    [delivery] = _log(tenant.live, endpoint["id"])
    assert (delivery["status"], delivery["attempt_count"]) == ("succeeded", 2)
    assert [a["status_code"] for a in delivery["attempts"]] == [200]
    assert json.loads(receiver.requests[1][0])["id"] == delivery["event_id"]
