"""Secrets never leak into what the platform keeps or says: a session of ordinary and failing
calls (keys, a revoked and a mistyped key, app sign-ins and refreshes, wrong passwords,
webhook secrets created, rotated and replayed, sends through gateways whose providers fail,
forged callbacks), then every log line (DEBUG, every logger), every audit row, every error
body and every stored idempotent response is searched for each secret, and none is there."""

from __future__ import annotations

import json
import logging

import pytest
from sqlalchemy import select
from werkzeug import Response

from app.extensions import db
from app.models import AuditLog, IdempotencyRecord, Message, WebhookAttempt
from app.services.messaging import gateways, sending
from tests.admin._inbox import make_team
from tests.api._mobile import PASSWORD, _sign_in

TWILIO_TOKEN = "twilio-auth-token-" + "Q" * 16
TELEGRAM_TOKEN = "123456789:AAH" + "t" * 32
HOOK_SECRET = "telegram-webhook-secret-" + "W" * 12


class Recorder:
    """The test client, keeping every answer that is not a success."""

    def __init__(self, client):
        self.client = client
        self.errors: list[str] = []

    def call(self, method: str, path: str, **kwargs):
        response = getattr(self.client, method)(path, **kwargs)
        if response.status_code >= 400:
            self.errors.append(f"{response.status_code} {response.get_data(as_text=True)}")
        return response


@pytest.fixture
def team(app):
    return make_team(app, "Secretive")


def test_no_secret_reaches_logs_audit_rows_error_bodies_or_stored_responses(
        app, client, team, httpserver, local, caplog):
    caplog.set_level(logging.DEBUG)
    calls = Recorder(client)
    live = {"Authorization": f"Bearer {team.live_key}"}
    secrets = {"live key": team.live_key, "test key": team.test_key, "password": PASSWORD,
               "twilio token": TWILIO_TOKEN, "telegram token": TELEGRAM_TOKEN,
               "hook secret": HOOK_SECRET}

    # Keys: right, mistyped (bad checksum), unknown but well formed, revoked.
    calls.call("get", "/api/v1/balance", headers=live)
    mistyped = team.live_key[:-1] + ("A" if team.live_key[-1] != "A" else "B")
    calls.call("get", "/api/v1/balance", headers={"Authorization": f"Bearer {mistyped}"})
    secrets["mistyped key"] = mistyped

    # Webhook secrets: created and rotated with Idempotency-Keys, then both replayed.
    receiver = httpserver.url_for("/hook")
    httpserver.expect_request("/hook").respond_with_response(Response(status=204))
    created = calls.call("post", "/api/v1/webhook_endpoints", json={"url": receiver},
                         headers={**live, "Idempotency-Key": "create-1"})
    assert created.status_code == 201
    secrets["webhook secret"] = created.json["secret"]
    rotate = f"/api/v1/webhook_endpoints/{created.json['id']}/rotate_secret"
    rotated = calls.call("post", rotate, json={}, headers={**live, "Idempotency-Key": "rot-1"})
    secrets["rotated webhook secret"] = rotated.json["secret"]
    for path, key in (("/api/v1/webhook_endpoints", "create-1"), (rotate, "rot-1")):
        again = calls.call("post", path, json={"url": receiver} if key == "create-1" else {},
                           headers={**live, "Idempotency-Key": key})
        assert again.headers.get("Idempotent-Replayed") == "true"

    # The app: sign in, refresh, a tampered token, a wrong password.
    signed_in = _sign_in(client, "agent@secretive.example")
    tokens = signed_in.json
    secrets["access token"], secrets["refresh token"] = (tokens["access_token"],
                                                         tokens["refresh_token"])
    refreshed = calls.call("post", "/api/mobile/auth/refresh",
                           json={"refresh_token": tokens["refresh_token"]},
                           headers={"Idempotency-Key": "refresh-1"})
    assert refreshed.status_code == 200, refreshed.json
    secrets["new access token"] = refreshed.json["access_token"]
    secrets["new refresh token"] = refreshed.json["refresh_token"]
    calls.call("get", "/api/mobile/conversations",
               headers={"Authorization": f"Bearer {tokens['access_token']}x"})
    calls.call("post", "/api/mobile/auth/token",
               json={"email": "agent@secretive.example", "password": PASSWORD + "!"})
    secrets["wrong password"] = PASSWORD + "!"
    calls.call("post", "/admin/login", data={"email": "admin@secretive.example",
                                             "password": PASSWORD + "!"})

    # Gateways whose providers fail, and callbacks with forged signatures.
    with app.app_context():
        twilio = gateways.add_gateway(
            "sms", "twilio", "Twilio", partner_id=team.partner_id, environment="live",
            base_url=httpserver.url_for("/").rstrip("/"),
            credentials={"account_sid": "AC" + "c" * 32, "auth_token": TWILIO_TOKEN},
            settings={"from": "+15550001111"}).id
        gateways.add_gateway(
            "telegram", "telegram", "Bot", partner_id=team.partner_id, environment="live",
            base_url=httpserver.url_for("/").rstrip("/"),
            credentials={"bot_token": TELEGRAM_TOKEN, "webhook_secret": HOOK_SECRET})
    httpserver.expect_request(f"/bot{TELEGRAM_TOKEN}/sendMessage").respond_with_json(
        {"ok": False, "error_code": 500, "description": "Internal Server Error"}, status=500)
    httpserver.expect_request("/2010-04-01/Accounts/" + "AC" + "c" * 32 + "/Messages.json"
                              ).respond_with_json({"code": 20003, "message": "Authenticate"},
                                                  status=401)
    sent = [calls.call("post", "/api/v1/messages", headers=live, json=payload).json["id"]
            for payload in ({"channel": "sms", "to": "+15551234567", "text": "hi"},
                            {"channel": "telegram", "to": 123456789, "text": "hi"})]
    with app.app_context():
        for message_id in sent:  # in this process, so its log lines are captured
            sending.attempt(message_id)
        db.session.remove()
    calls.call("post", f"/hooks/{twilio}", data={"MessageSid": "SM1", "MessageStatus": "sent"},
               headers={"X-Twilio-Signature": "forged"})

    with app.app_context():
        kept = {
            # The fake providers' own access log (werkzeug) is the test's, not the app's.
            "log": "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}"
                             for r in caplog.records if r.name != "werkzeug"),
            "audit": "\n".join(json.dumps([a.actor, a.path, a.idempotency_key, a.user_agent,
                                           a.object_ids]) for a in
                               db.session.scalars(select(AuditLog))),
            "stored": "\n".join(r.body.decode("utf-8", "replace") + json.dumps(r.headers)
                                for r in db.session.scalars(select(IdempotencyRecord))),
            "errors": "\n".join(calls.errors),
            "messages": "\n".join(m.last_error or "" for m in
                                  db.session.scalars(select(Message))),
            "attempts": "\n".join(f"{a.response_excerpt} {a.error}" for a in
                                  db.session.scalars(select(WebhookAttempt))),
        }
    assert len(kept["log"]) > 0 and kept["audit"] and kept["stored"] and kept["errors"]
    leaks = [(what, where) for what, secret in secrets.items()
             for where, text in kept.items() if secret in text]
    assert leaks == []
