"""Push notifications to agents' phones, through a real burst worker and a local fake FCM.

Inbound messages (a signed Twilio callback, a sandbox reply) and assignments push to the
right devices of the right environment with the documented JSON; dead tokens are removed,
transient failures retried without notifying a device twice, hostile text is defused, and
an unconfigured installation records the inbound without any push.
"""

from __future__ import annotations

import json
import logging

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import select
from werkzeug import Response

from app.channels.gateways import google_api
from app.extensions import db
from app.models import Event, Message, PushToken
from app.models.base import utcnow
from app.services import dispatch
from app.services.messaging import gateways
from app.services.mobile import tokens as mobile_tokens
from tests.channels.gateways import _signing
from tests.factories import make_user
from tests.helpers import set_config

PROJECT = "switchboard-agents"
ACCESS_TOKEN = "ya29.agent-push-token"
SEND_PATH = f"/v1/projects/{PROJECT}/messages:send"
ACCOUNT = "AC" + "b" * 32
TWILIO_TOKEN = "twilio-auth-token"
CUSTOMER = "+15551234567"


def _device(name: str) -> str:
    return f"{name}:APA91b" + "x" * 40


@pytest.fixture(autouse=True)
def _fresh_tokens():
    google_api.forget_tokens()
    yield
    google_api.forget_tokens()


@pytest.fixture
def configure(app, httpserver, monkeypatch):
    """Point agent push at the local fake FCM (a static access token, immediate retries)."""

    def apply(**overrides):
        settings = {"AGENT_PUSH_FCM_PROJECT_ID": PROJECT,
                    "AGENT_PUSH_FCM_BASE_URL": httpserver.url_for("/").rstrip("/"),
                    "AGENT_PUSH_FCM_CREDENTIALS": json.dumps({"access_token": ACCESS_TOKEN}),
                    "AGENT_PUSH_RETRY_DELAYS": "0,0", **overrides}
        for key, value in settings.items():
            set_config(monkeypatch, app, key, value)

    return apply


@pytest.fixture
def fcm(configure, httpserver):
    """A configured fake FCM that accepts every message."""
    configure()
    httpserver.expect_request(SEND_PATH, method="POST").respond_with_json(
        {"name": f"projects/{PROJECT}/messages/1"})
    return httpserver


class Team:
    """Acme's people and their registered devices."""

    def __init__(self, app, tenant, other_tenant):
        with app.app_context():
            self.admin = make_user("admin", tenant.partner_id).id
            self.agent = make_user("agent", tenant.partner_id).id
            self.colleague = make_user("agent", tenant.partner_id,
                                       email="colleague@acme.example").id
            disabled = make_user("agent", tenant.partner_id, email="gone@acme.example")
            outsider = make_user("agent", other_tenant.partner_id).id
            self.devices = {}
            for name, user_id, environment in (
                    ("admin-phone", self.admin, "live"), ("agent-phone", self.agent, "live"),
                    ("agent-tablet", self.agent, "live"),
                    ("agent-sandbox", self.agent, "sandbox"),
                    ("colleague-phone", self.colleague, "live"),
                    ("gone-phone", disabled.id, "live")):
                self.devices[name] = _device(name)
                mobile_tokens.register_push_token(tenant.partner_id, environment, user_id,
                                                  _device(name), "android")
            mobile_tokens.register_push_token(other_tenant.partner_id, "live", outsider,
                                              _device("outsider-phone"), "ios")
            disabled.disabled_at = utcnow()  # disabled after registering its phone
            db.session.commit()


@pytest.fixture
def team(app, tenant, other_tenant) -> Team:
    return Team(app, tenant, other_tenant)


@pytest.fixture
def twilio(app, tenant, httpserver):
    """Acme's live Twilio gateway (inbound only: its base URL is never called here)."""
    with app.app_context():
        return gateways.add_gateway("sms", "twilio", "Twilio (fake)",
                                    partner_id=tenant.partner_id, environment="live",
                                    base_url=httpserver.url_for("/").rstrip("/"),
                                    credentials={"account_sid": ACCOUNT,
                                                 "auth_token": TWILIO_TOKEN},
                                    settings={"from": "+15550001111"}).id


def _inbound_sms(app, client, gateway_id, text, sid):
    params = {"MessageSid": sid, "From": CUSTOMER, "To": "+15550001111", "Body": text,
              "AccountSid": ACCOUNT}
    url = app.config["APP_PUBLIC_URL"].rstrip("/") + f"/hooks/{gateway_id}"
    signed = {"X-Twilio-Signature": _signing.twilio(TWILIO_TOKEN, url, params)}
    response = client.post(f"/hooks/{gateway_id}", data=params, headers=signed)
    assert response.status_code == 200
    with app.app_context():
        return db.session.scalar(select(Message).where(Message.provider_message_id == sid))


def _pushes(httpserver) -> list[dict]:
    """The FCM messages the fake received, in order."""
    return [request.get_json()["message"] for request, _ in httpserver.log
            if request.path == SEND_PATH]


def _by_device(team: Team, pushes: list[dict]) -> dict[str, dict]:
    names = {token: name for name, token in team.devices.items()}
    return {names.get(push["token"], push["token"]): push for push in pushes}


def test_inbound_sms_on_an_unassigned_conversation_pushes_every_live_team_device(
        app, client, tenant, team, twilio, fcm, drain):
    message = _inbound_sms(app, client, twilio, "Where is my order?", "SMpush1")
    drain()
    pushes = _pushes(fcm)
    assert len(pushes) == 4
    assert set(_by_device(team, pushes)) == {"admin-phone", "agent-phone", "agent-tablet",
                                             "colleague-phone"}
    assert _by_device(team, pushes)["agent-phone"] == {
        "token": team.devices["agent-phone"],
        "notification": {"title": CUSTOMER, "body": "Where is my order?"},
        "data": {"type": "message.received", "conversation_id": message.conversation_id,
                 "message_id": message.id}}
    assert all(r.headers["Authorization"] == f"Bearer {ACCESS_TOKEN}" for r, _ in fcm.log)


def test_inbound_on_an_assigned_conversation_pushes_only_the_assignee(
        app, client, tenant, team, twilio, fcm, drain):
    first = _inbound_sms(app, client, twilio, "Hello", "SMpush2")
    assert tenant.live.patch(f"/contacts/{first.contact_id}",
                             json={"name": "Nayeem Rahman"}).status_code == 200
    assigned = tenant.live.post(f"/conversations/{first.conversation_id}/assign",
                                json={"agent_id": team.colleague})
    assert assigned.status_code == 200
    drain()
    fcm.clear_log()
    second = _inbound_sms(app, client, twilio, "Any news?", "SMpush3")
    drain()
    pushes = _pushes(fcm)
    assert [push["token"] for push in pushes] == [team.devices["colleague-phone"]]
    assert pushes[0]["notification"] == {"title": "Nayeem Rahman", "body": "Any news?"}
    assert pushes[0]["data"]["message_id"] == second.id


def test_assigning_pushes_conversation_assigned_to_the_new_assignee_only(
        app, client, tenant, team, twilio, fcm, drain):
    message = _inbound_sms(app, client, twilio, "Hello", "SMpush4")
    drain()
    fcm.clear_log()
    path = f"/conversations/{message.conversation_id}/assign"
    assert tenant.live.post(path, json={"agent_id": team.agent}).status_code == 200
    drain()
    pushes = _pushes(fcm)
    assert set(_by_device(team, pushes)) == {"agent-phone", "agent-tablet"}
    assert _by_device(team, pushes)["agent-phone"] == {
        "token": team.devices["agent-phone"],
        "notification": {"title": CUSTOMER, "body": "Conversation assigned to you"},
        "data": {"type": "conversation.assigned",
                 "conversation_id": message.conversation_id, "message_id": message.id}}
    fcm.clear_log()
    assert tenant.live.post(path, json={"agent_id": team.agent}).status_code == 200  # no change
    assert tenant.live.post(path, json={"agent_id": None}).status_code == 200  # unassign
    drain()
    assert _pushes(fcm) == []


def test_a_message_push_is_dropped_for_whoever_lost_the_conversation_before_it_ran(
        app, client, tenant, team, twilio, fcm, drain):
    message = _inbound_sms(app, client, twilio, "Hello", "SMpush5")
    tenant.live.post(f"/conversations/{message.conversation_id}/assign",
                     json={"agent_id": team.admin})
    drain()  # the four message.received jobs run after the assignment
    names = {token: name for name, token in team.devices.items()}
    received = sorted((names[push["token"]], push["data"]["type"]) for push in _pushes(fcm))
    assert received == [("admin-phone", "conversation.assigned"),
                        ("admin-phone", "message.received")]


def test_a_sandbox_reply_pushes_sandbox_devices_only(app, tenant, team, fcm, drain):
    sent = tenant.sandbox.post("/messages", json={"channel": "sms", "to": "+15005550009",
                                                  "text": "Your order shipped"})
    assert sent.status_code == 202
    drain()
    pushes = _pushes(fcm)
    assert [push["token"] for push in pushes] == [team.devices["agent-sandbox"]]
    with app.app_context():
        reply = db.session.scalar(select(Message).where(
            Message.direction == "inbound", Message.environment == "sandbox"))
    assert pushes[0]["notification"]["body"] == reply.text
    assert pushes[0]["data"] == {"type": "message.received",
                                 "conversation_id": sent.json["conversation_id"],
                                 "message_id": reply.id}


def _fcm_error(http_status: int, status: str, error_code: str, message: str) -> Response:
    error = {"code": http_status, "message": message, "status": status,
             "details": [{"@type": "type.googleapis.com/google.firebase.fcm.v1.FcmError",
                          "errorCode": error_code}]}
    return Response(json.dumps({"error": error}), status=http_status,
                    content_type="application/json")


def test_unregistered_and_invalid_tokens_are_deleted_and_other_failures_kept(
        app, client, team, twilio, configure, httpserver, drain):
    configure()
    answers = {
        team.devices["agent-phone"]: _fcm_error(404, "NOT_FOUND", "UNREGISTERED",
                                                "Requested entity was not found."),
        team.devices["agent-tablet"]: _fcm_error(
            400, "INVALID_ARGUMENT", "INVALID_ARGUMENT",
            "The registration token is not a valid FCM registration token"),
        team.devices["colleague-phone"]: _fcm_error(403, "PERMISSION_DENIED",
                                                    "SENDER_ID_MISMATCH", "SenderId mismatch"),
    }

    def answer(request):
        return answers.get(request.get_json()["message"]["token"]) or Response(
            json.dumps({"name": "projects/x/messages/2"}), content_type="application/json")

    httpserver.expect_request(SEND_PATH, method="POST").respond_with_handler(answer)
    _inbound_sms(app, client, twilio, "Hello", "SMpush6")
    drain()
    assert len(_pushes(httpserver)) == 4  # permanent failures are not retried
    with app.app_context():
        left = set(db.session.scalars(select(PushToken.token)))
    assert team.devices["agent-phone"] not in left
    assert team.devices["agent-tablet"] not in left
    assert {team.devices["colleague-phone"], team.devices["admin-phone"]} <= left


def test_a_transient_failure_is_retried_without_notifying_reached_devices_twice(
        app, client, team, twilio, configure, httpserver, drain):
    configure()
    failures = {"left": 1}

    def answer(request):
        if request.get_json()["message"]["token"] == team.devices["agent-tablet"] \
                and failures["left"]:
            failures["left"] -= 1
            return _fcm_error(503, "UNAVAILABLE", "UNAVAILABLE", "try later")
        return Response(json.dumps({"name": "projects/x/messages/3"}),
                        content_type="application/json")

    httpserver.expect_request(SEND_PATH, method="POST").respond_with_handler(answer)
    _inbound_sms(app, client, twilio, "Hello", "SMpush7")
    drain()
    tokens = [push["token"] for push in _pushes(httpserver)]
    assert tokens.count(team.devices["agent-tablet"]) == 2  # failed, then retried
    assert tokens.count(team.devices["agent-phone"]) == 1  # same job, not sent again
    assert len(tokens) == 5


def test_without_configuration_nothing_is_pushed_and_the_inbound_is_recorded(
        app, client, team, twilio, httpserver, drain, caplog):
    caplog.set_level(logging.INFO)
    message = _inbound_sms(app, client, twilio, "Hello", "SMpush8")
    with app.app_context():  # dispatched here, not in a forked worker, so caplog sees it
        event_id = db.session.scalar(select(Event.id).where(Event.type == "message.received",
                                                            Event.object_id == message.id))
        dispatch.dispatch(event_id)
    drain()
    assert message is not None and message.text == "Hello"
    assert httpserver.log == []
    lines = [r for r in caplog.records if "agent push not configured" in r.getMessage()]
    assert len(lines) == 1 and lines[0].levelno == logging.INFO


def test_the_excerpt_is_plain_text_of_at_most_120_characters(
        app, client, team, twilio, fcm, drain):
    hostile = ("<script>alert('x')</script><b>Hi</b> &lt;img src=x onerror=alert(1)&gt;"
               "\u202eevil\nnext line " + "blah " * 60)
    _inbound_sms(app, client, twilio, hostile, "SMpush9")
    drain()
    body = _pushes(fcm)[0]["notification"]["body"]
    assert len(body) <= 120 and body.endswith("…")
    assert body.startswith("alert('x') Hi evil next line blah")
    assert "<" not in body and ">" not in body and "\u202e" not in body and "\n" not in body


def test_a_service_account_key_from_the_environment_is_exchanged_and_never_logged(
        app, client, team, twilio, configure, httpserver, drain, monkeypatch, caplog):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    account = {"type": "service_account", "project_id": PROJECT, "private_key": pem,
               "client_email": "push@switchboard-agents.iam.gserviceaccount.com",
               "token_uri": httpserver.url_for("/token")}
    monkeypatch.setenv("AGENT_PUSH_TEST_KEY", json.dumps(account))
    configure(AGENT_PUSH_FCM_PROJECT_ID="", AGENT_PUSH_FCM_CREDENTIALS="env:AGENT_PUSH_TEST_KEY")
    httpserver.expect_request("/token").respond_with_json(
        {"access_token": "ya29.from-the-token-server", "expires_in": 3599})
    httpserver.expect_request(SEND_PATH).respond_with_json({"name": "projects/x/messages/4"})
    caplog.set_level(logging.DEBUG)
    _inbound_sms(app, client, twilio, "Hello", "SMpush10")
    drain()
    sends = [r for r, _ in httpserver.log if r.path == SEND_PATH]
    assert len(sends) == 4
    assert {r.headers["Authorization"] for r in sends} == {"Bearer ya29.from-the-token-server"}
    assert "PRIVATE KEY" not in caplog.text and "ya29" not in caplog.text
