"""A live push gateway speaking FCM HTTP v1, against a local fake FCM and token server.

Covers the `messages:send` request, FCM's error codes (permanent, transient with
`Retry-After`), the project id and token from a service account, and that push has no
callbacks to parse.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from functools import partial
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import request as flask_request
from werkzeug import Response

from app.channels.gateways import google_api
from app.channels.gateways.fcm import FcmAdapter
from app.extensions import db
from app.models import Message, MessageEvent
from app.services.messaging import gateways
from tests.helpers import gateway_config, outbound

PROJECT = "switchboard-demo"
TOKEN = "ya29.fcm-access-token"
SEND_PATH = f"/v1/projects/{PROJECT}/messages:send"
DEVICE = "fGw0qy4TGgk:APA91bGtWGjuhp4WRhHXgbabIYp1jxEKI08ofj_v1bKhWAGJQ4e3a"


@pytest.fixture(autouse=True)
def _fresh_tokens():
    google_api.forget_tokens()
    yield
    google_api.forget_tokens()


@pytest.fixture
def fcm(app, tenant, httpserver):
    """A partner-owned live push gateway pointed at the local fake FCM."""
    with app.app_context():
        return gateways.add_gateway("push", "fcm", "FCM (fake)", partner_id=tenant.partner_id,
                                    environment="live",
                                    base_url=httpserver.url_for("/").rstrip("/"),
                                    credentials={"access_token": TOKEN},
                                    settings={"project_id": PROJECT}).id


# This module's gateway and send: the shared builders with FCM values.
_config = partial(gateway_config, "fcm", channel="push", credentials={"access_token": TOKEN},
                  settings={"project_id": PROJECT})
_outbound = partial(outbound, "push", to=DEVICE, text="Your order shipped", title="Acme")


def _fcm_error(http_status, status, error_code=None, retry_after=None):
    error = {"code": http_status, "message": f"{status} happened", "status": status}
    if error_code:
        error["details"] = [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                             "errorCode": error_code}]
    response = Response(json.dumps({"error": error}), status=http_status,
                        content_type="application/json")
    if retry_after is not None:
        response.headers["Retry-After"] = retry_after
    return response


def test_push_send_posts_the_v1_message(app, client, tenant, fcm, httpserver, drain):
    name = f"projects/{PROJECT}/messages/0:1500415314455276%31bd1c9631bd1c96"
    httpserver.expect_request(SEND_PATH, method="POST").respond_with_json({"name": name})
    sent = tenant.live.post("/messages", json={"channel": "push", "to": DEVICE,
                                               "title": "Acme", "text": "Your order shipped"})
    assert sent.status_code == 202, sent.json
    drain()
    request, _ = httpserver.log[0]
    assert request.path == SEND_PATH
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.get_json() == {"message": {
        "token": DEVICE, "notification": {"title": "Acme", "body": "Your order shipped"},
        "data": {"message_id": sent.json["id"]}}}
    with app.app_context():
        message = db.session.get(Message, sent.json["id"])
        assert message.status == "sent" and message.provider_message_id == name
    # Push has no receipts: whatever is posted to the hook changes nothing.
    assert client.post(f"/hooks/{fcm}", json={"name": name}).status_code == 200
    with app.app_context():
        assert db.session.query(MessageEvent).filter_by(
            message_id=sent.json["id"]).count() == 3  # queued, sending, sent


@pytest.mark.parametrize(("response", "failure"), [
    (_fcm_error(404, "NOT_FOUND", "UNREGISTERED"), "permanent"),
    (_fcm_error(400, "INVALID_ARGUMENT", "INVALID_ARGUMENT"), "permanent"),
    (_fcm_error(400, "INVALID_ARGUMENT"), "permanent"),  # no FcmError detail
    (_fcm_error(403, "PERMISSION_DENIED", "SENDER_ID_MISMATCH"), "permanent"),
    (_fcm_error(401, "UNAUTHENTICATED", "THIRD_PARTY_AUTH_ERROR"), "permanent"),
    (_fcm_error(500, "INTERNAL", "INTERNAL"), "transient"),
    (_fcm_error(503, "UNAVAILABLE", "UNAVAILABLE"), "transient"),
    (Response("gateway timeout", status=504), "transient"),
])
def test_fcm_errors_are_classified(app_ctx, httpserver, response, failure):
    httpserver.expect_request(SEND_PATH).respond_with_response(response)
    result = FcmAdapter().send(_outbound(), _config(httpserver))
    assert not result.accepted and result.failure == failure
    assert TOKEN not in result.error


def test_quota_exceeded_is_transient_and_honours_retry_after(app_ctx, httpserver):
    httpserver.expect_request(SEND_PATH).respond_with_response(
        _fcm_error(429, "RESOURCE_EXHAUSTED", "QUOTA_EXCEEDED", retry_after="30"))
    result = FcmAdapter().send(_outbound(), _config(httpserver))
    assert result.failure == "transient" and result.retry_after_seconds == 30
    assert "QUOTA_EXCEEDED" in result.error


def test_retry_after_may_be_an_http_date(app_ctx, httpserver, monkeypatch):
    now = datetime(2026, 5, 23, 14, 0, 0, tzinfo=UTC).timestamp()
    monkeypatch.setattr(google_api, "time", SimpleNamespace(time=lambda: now))  # a fixed clock
    httpserver.expect_request(SEND_PATH).respond_with_response(
        _fcm_error(503, "UNAVAILABLE", "UNAVAILABLE",
                   retry_after="Sat, 23 May 2026 14:02:00 GMT"))
    result = FcmAdapter().send(_outbound(), _config(httpserver))
    assert result.failure == "transient" and result.retry_after_seconds == 120


def test_unregistered_token_fails_and_refunds(app, tenant, fcm, httpserver, drain):
    httpserver.expect_request(SEND_PATH).respond_with_response(
        _fcm_error(404, "NOT_FOUND", "UNREGISTERED"))
    sent = tenant.live.post("/messages", json={"channel": "push", "to": DEVICE,
                                               "title": "Acme", "text": "x"})
    drain()
    with app.app_context():
        message = db.session.get(Message, sent.json["id"])
        assert message.status == "failed" and message.retry_count == 0
        assert "UNREGISTERED" in message.last_error
    assert tenant.live.get("/balance").json["available"] == "10.000000"


def test_unreachable_fcm_is_transient(app_ctx):
    config = _config("http://127.0.0.1:9")
    assert FcmAdapter().send(_outbound(), config).failure == "transient"


def test_missing_project_or_credentials_fail_permanently(app_ctx, httpserver):
    no_project = FcmAdapter().send(_outbound(), _config(httpserver.url_for("/"), settings={}))
    assert no_project.failure == "permanent" and "project_id" in no_project.error
    no_credentials = FcmAdapter().send(_outbound(), _config(httpserver, credentials={"a": "b"}))
    assert no_credentials.failure == "permanent"
    assert len(httpserver.log) == 0


def test_service_account_gives_the_project_and_the_token(app_ctx, httpserver):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    account = {"type": "service_account", "project_id": PROJECT,
               "client_email": "fcm@switchboard-demo.iam.gserviceaccount.com",
               "private_key": key.private_bytes(
                   serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                   serialization.NoEncryption()).decode(),
               "token_uri": httpserver.url_for("/token")}
    httpserver.expect_request("/token").respond_with_json(
        {"access_token": "ya29.fcm-from-token-server", "expires_in": 3599})
    httpserver.expect_request(SEND_PATH).respond_with_json({"name": "projects/x/messages/1"})
    config = _config(httpserver, credentials={"service_account": account}, settings={})
    assert FcmAdapter().send(_outbound(), config).accepted
    token_request, send_request = (r for r, _ in httpserver.log)
    assert token_request.path == "/token"
    claims = token_request.form["assertion"].split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(claims + "=" * (-len(claims) % 4)))
    assert claims["scope"] == "https://www.googleapis.com/auth/firebase.messaging"
    assert send_request.headers["Authorization"] == "Bearer ya29.fcm-from-token-server"


def test_fcm_has_no_callbacks_to_parse(app, httpserver):
    with app.test_request_context("/hooks/gw_test", method="POST", json={"anything": 1}):
        assert FcmAdapter().parse_callback(flask_request, _config(httpserver)) == []
