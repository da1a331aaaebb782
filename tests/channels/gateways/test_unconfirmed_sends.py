"""Provider idempotency: a send whose answer was lost (a timeout, a 500) is not sent twice when
the provider's receipts or its own records show it went out.

Twilio has no idempotency key for Messages, so its StatusCallback carries the message id
(`?ref=`, inside the signed URL) and, before sending again, the adapter lists what Twilio
holds. WhatsApp echoes `biz_opaque_callback_data`, an email's notices name its Message-ID.
All against the local fake providers (pytest-httpserver); the timeout is a fake Twilio that
answers later than GATEWAY_TIMEOUT_SECONDS.
"""

from __future__ import annotations

import json
import threading
import time
from email.utils import format_datetime

import pytest
from flask import request as flask_request
from sqlalchemy import select, update
from werkzeug import Request, Response

from app.channels.gateways.smtp import SmtpAdapter, reference_of
from app.channels.gateways.twilio import TwilioAdapter
from app.extensions import db
from app.models import Event, Message
from app.models.base import utcnow
from app.services.messaging import gateways, sending
from tests.channels.gateways import _signing
from tests.channels.gateways import test_whatsapp_cloud as wa
from tests.helpers import gateway_config, outbound, set_config

ACCOUNT = "AC" + "b" * 32
TOKEN = "twilio-auth-token-2"
MESSAGES = f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
SID = "SM" + "7" * 32
TO, FROM, TEXT = "+15551234567", "+15550001111", "Your code is 4321"


@pytest.fixture
def twilio(app, tenant, httpserver, monkeypatch):
    """A live Twilio gateway on the fake server, with a short provider timeout."""
    set_config(monkeypatch, app, "GATEWAY_TIMEOUT_SECONDS", 0.3)
    with app.app_context():
        return gateways.add_gateway("sms", "twilio", "Twilio (fake)",
                                    partner_id=tenant.partner_id, environment="live",
                                    base_url=httpserver.url_for("/").rstrip("/"),
                                    credentials={"account_sid": ACCOUNT, "auth_token": TOKEN},
                                    settings={"from": FROM}).id


@pytest.fixture
def whatsapp(app, tenant, httpserver):
    """A live WhatsApp Cloud gateway on the fake Graph API."""
    with app.app_context():
        return gateways.add_gateway("whatsapp", "whatsapp_cloud", "WhatsApp (fake)",
                                    partner_id=tenant.partner_id, environment="live",
                                    base_url=httpserver.url_for("/").rstrip("/"),
                                    credentials=wa.CREDENTIALS,
                                    settings={"phone_number_id": wa.PHONE_NUMBER_ID}).id


@pytest.fixture
def later(app, monkeypatch):
    """Retries after an unanswered attempt wait for receipts (the burst worker stops first)."""
    set_config(monkeypatch, app, "SEND_UNCONFIRMED_RETRY_SECONDS", 3600)


class FakeTwilio:
    """Answers Messages.json: POSTs from a script (`"timeout"` answers too late), GETs with
    the list of messages Twilio holds."""

    def __init__(self, httpserver):
        self.posts: list[dict] = []
        self.gets = 0
        self.script: list = []
        self.held: list[dict] = []
        self.idle = threading.Event()
        httpserver.expect_request(MESSAGES).respond_with_handler(self._handle)

    def _handle(self, request: Request) -> Response:
        self.idle.clear()
        try:
            return self._answer(request)
        finally:
            self.idle.set()

    def _answer(self, request: Request) -> Response:
        if request.method == "GET":
            self.gets += 1
            return _json({"messages": self.held, "page_size": 50})
        self.posts.append(dict(request.form))
        answer = self.script.pop(0) if self.script else "accepted"
        if answer == "timeout":
            time.sleep(1.0)  # past GATEWAY_TIMEOUT_SECONDS: the client gives up first
            answer = "accepted"
        if answer == "accepted":
            return _json({"sid": SID, "status": "queued", "price": None}, 201)
        return _json({"code": 20500, "message": "Internal Server Error"}, answer)


def _json(body: dict, status: int = 200) -> Response:
    return Response(json.dumps(body), status=status, mimetype="application/json")


@pytest.fixture
def fake(httpserver) -> FakeTwilio:
    return FakeTwilio(httpserver)


def _send(tenant) -> str:
    sent = tenant.live.post("/messages", json={"channel": "sms", "to": TO, "text": TEXT})
    assert sent.status_code == 202, sent.json
    return sent.json["id"]


def _message(app, message_id: str) -> Message:
    with app.app_context():
        message = db.session.get(Message, message_id)
        db.session.expunge(message)
        return message


def _retry_now(app, fake: FakeTwilio, message_id: str) -> str:
    """The retry, run once the fake is done with the late answer: the clock set in the data."""
    assert fake.idle.wait(10)
    with app.app_context():
        db.session.execute(update(Message).where(Message.id == message_id)
                           .values(next_attempt_at=utcnow()))
        db.session.commit()
        return sending.attempt(message_id)


def _receipt(app, client, callback_url: str, status: str):
    """Twilio's signed status callback, posted to the StatusCallback URL it was given."""
    params = {"MessageSid": SID, "MessageStatus": status, "To": TO, "From": FROM}
    path = callback_url.removeprefix(app.config["APP_PUBLIC_URL"].rstrip("/"))
    return client.post(path, data=params,
                       headers={"X-Twilio-Signature": _signing.twilio(TOKEN, callback_url,
                                                                      params)})


def test_the_status_callback_names_the_message_the_same_on_every_attempt(
        app, tenant, twilio, fake, drain):
    fake.script = [500]
    message_id = _send(tenant)
    drain()
    assert len(fake.posts) == 2 and fake.gets == 1  # a 500 may have sent: Twilio was asked
    callbacks = {post["StatusCallback"] for post in fake.posts}
    assert callbacks == {f"{app.config['APP_PUBLIC_URL'].rstrip('/')}/hooks/{twilio}"
                         f"?ref={message_id}"}
    message = _message(app, message_id)
    assert (message.status, message.provider_message_id, message.unconfirmed_at) == (
        "sent", SID, None)


def test_a_receipt_after_a_timeout_ends_the_retry_and_nothing_is_sent_twice(
        app, client, tenant, twilio, fake, drain, later):
    fake.script = ["timeout"]
    message_id = _send(tenant)
    drain()
    before = _message(app, message_id)
    assert before.status == "sending" and before.unconfirmed_at is not None
    assert before.gateway_id == twilio and before.provider_message_id is None
    assert "ReadTimeout" in before.last_error

    assert _receipt(app, client, fake.posts[0]["StatusCallback"], "delivered").status_code == 200
    after = _message(app, message_id)
    assert (after.status, after.provider_message_id) == ("delivered", SID)
    assert after.next_attempt_at is None and after.unconfirmed_at is None
    with app.app_context():
        assert sending.attempt(message_id) == "skipped"  # the retry's job, when it comes
        types = db.session.scalars(select(Event.type).where(Event.object_id == message_id)
                                   .order_by(Event.id)).all()
    assert types == ["message.sent", "message.delivered"]
    assert len(fake.posts) == 1


def test_after_a_timeout_a_message_twilio_holds_is_not_sent_again(app, tenant, twilio, fake,
                                                                 drain, later):
    fake.script = ["timeout"]
    fake.held = [
        {"sid": "SM" + "9" * 32, "to": TO, "from": FROM, "body": "another text",
         "date_created": format_datetime(utcnow()), "direction": "outbound-api"},
        {"sid": SID, "to": TO, "from": FROM, "body": TEXT, "price": "-0.00790",
         "date_created": format_datetime(utcnow()), "direction": "outbound-api"},
    ]
    message_id = _send(tenant)
    drain()
    assert _retry_now(app, fake, message_id) == "sent"
    assert len(fake.posts) == 1 and fake.gets == 1
    message = _message(app, message_id)
    assert (message.status, message.provider_message_id, message.cost_micros) == (
        "sent", SID, 7900)


def test_after_a_timeout_a_message_twilio_does_not_hold_is_sent_again_once(
        app, tenant, twilio, fake, drain, later):
    fake.script = ["timeout"]
    fake.held = [{"sid": "SM" + "9" * 32, "to": TO, "from": FROM, "body": TEXT,
                  "date_created": "Thu, 30 Jul 2015 20:12:31 +0000",  # long before
                  "direction": "outbound-api"}]
    message_id = _send(tenant)
    drain()
    assert _retry_now(app, fake, message_id) == "sent"
    assert len(fake.posts) == 2 and fake.gets == 1
    assert _message(app, message_id).status == "sent"


def test_a_message_another_message_already_holds_is_not_taken_for_this_one(
        app, tenant, twilio, fake, drain, later):
    first = _send(tenant)
    drain()
    assert _message(app, first).provider_message_id == SID
    fake.script = ["timeout"]
    fake.held = [{"sid": SID, "to": TO, "from": FROM, "body": TEXT,
                  "date_created": format_datetime(utcnow()), "direction": "outbound-api"}]
    second = _send(tenant)
    drain()
    assert _retry_now(app, fake, second) == "sent"
    assert len(fake.posts) == 3  # the first, the second's unanswered attempt, its retry
    assert _message(app, second).status == "sent"


def test_a_clear_refusal_is_retried_without_asking_twilio(app, tenant, twilio, fake, drain):
    fake.script = [429]
    message_id = _send(tenant)
    drain()
    assert len(fake.posts) == 2 and fake.gets == 0
    assert _message(app, message_id).unconfirmed_at is None


def test_a_refused_connection_is_not_unconfirmed(app_ctx):
    config = gateway_config("twilio", "http://127.0.0.1:9", channel="sms",
                            credentials={"account_sid": ACCOUNT, "auth_token": TOKEN})
    result = TwilioAdapter().send(outbound("sms", TO, text=TEXT), config)
    assert (result.failure, result.unconfirmed) == ("transient", False)


def test_a_whatsapp_receipt_naming_the_message_ends_the_retry_after_a_500(
        app, client, tenant, whatsapp, httpserver, drain, later):
    httpserver.expect_request(wa.SEND_PATH, method="POST").respond_with_response(
        wa._graph_error(1, "An unknown error occurred", status=500))
    message_id = wa._send_template(tenant)
    drain()
    before = _message(app, message_id)
    assert before.status == "sending" and before.unconfirmed_at is not None
    wamid = "wamid.HBgLMTU1NTEyMzQ1NjcVAgARGBI5QTNDQTVCM0Q0Q0Q2RTY3RTcA"
    receipt = wa._status(wamid, "delivered", biz_opaque_callback_data=message_id)
    assert wa._webhook(client, whatsapp, receipt).status_code == 200
    after = _message(app, message_id)
    assert (after.status, after.provider_message_id, after.next_attempt_at) == (
        "delivered", wamid, None)
    assert len([r for r, _ in httpserver.log if r.path == wa.SEND_PATH]) == 1


def test_a_receipt_naming_a_message_through_another_gateway_changes_nothing(
        app, client, tenant, other_tenant, whatsapp, httpserver, drain, later):
    """The reference only finds a message sent through the very gateway that reports it."""
    with app.app_context():
        theirs = gateways.add_gateway(
            "whatsapp", "whatsapp_cloud", "theirs", partner_id=other_tenant.partner_id,
            environment="live", base_url=httpserver.url_for("/").rstrip("/"),
            credentials=wa.CREDENTIALS, settings={"phone_number_id": wa.PHONE_NUMBER_ID}).id
    httpserver.expect_request(wa.SEND_PATH, method="POST").respond_with_response(
        wa._graph_error(2, "Service temporarily unavailable", status=502))
    message_id = wa._send_template(tenant)
    drain()
    receipt = wa._status("wamid.X", "delivered", biz_opaque_callback_data=message_id)
    assert wa._webhook(client, theirs, receipt).status_code == 200
    message = _message(app, message_id)
    assert (message.status, message.provider_message_id) == ("sending", None)
    assert message.unconfirmed_at is not None


def test_an_email_notice_carries_the_message_id_inside_its_message_id(app):
    notice = json.dumps({"message_id": "msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C@acme.example.com",
                         "type": "delivered"}).encode()
    config = gateway_config("smtp", "smtp://127.0.0.1:9", channel="email",
                            credentials={"webhook_secret": "whsec-notices"})
    with app.test_request_context("/hooks/gw_test", method="POST", data=notice,
                                  headers=_signing.switchboard("whsec-notices", notice)):
        [update] = SmtpAdapter().parse_callback(flask_request, config)
    assert update.reference == "msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C"
    assert reference_of("<abc@relay.example>") is None
