"""The admin UI's own API: session + CSRF authentication in front of the shared pipeline,
inbox actions, and send-and-confirm waiting on a real worker.
"""

from __future__ import annotations

import re
import threading
import time

import pytest
from sqlalchemy import select, update

from app import create_app
from app.api.internal import messages as internal_messages
from app.api.v1.conversations import ConversationOut
from app.api.v1.messages import MessageOut
from app.extensions import db
from app.models import AuditLog, Conversation, Event, Message, Partner
from app.services.inbox import contacts, conversations, inbox
from app.services.queue import get_queue
from jobs.worker import run_worker
from tests.factories import make_user

PASSWORD = "correct horse battery"
MISSING = "cnv_01HNQX2P8Y9R3T4V5W6Z7A8B9C"
CSRF_INPUT = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SIGNED_IN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A signed-in admin UI session: the cookie, plus the page's CSRF token for XHR calls."""

    def __init__(self, client, csrf_token: str, user_id: str):
        self.client = client
        self.csrf_token = csrf_token
        self.user_id = user_id

    def post(self, path, json=None, idempotency_key=None, csrf=True, headers=None):
        merged = {"X-CSRFToken": self.csrf_token} if csrf else {}
        if idempotency_key is not None:
            merged["Idempotency-Key"] = idempotency_key
        merged.update(headers or {})
        return self.client.post("/api/internal" + path, json=json, headers=merged)

    def use_environment(self, environment: str) -> None:
        with self.client.session_transaction() as session:
            session["environment"] = environment


def _page_token(client) -> str:
    page = client.get("/admin/login")
    return CSRF_INPUT.search(page.get_data(as_text=True)).group(1)


def _sign_in(app, email: str, user_id: str) -> Browser:
    client = app.test_client()
    token = _page_token(client)
    response = client.post("/admin/login", data={"email": email, "password": PASSWORD,
                                                 "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)
    # Signing in starts a new session: the pages from now on carry a new token.
    page = client.get("/admin/", follow_redirects=True).get_data(as_text=True)
    match = SIGNED_IN_CSRF.search(page)
    return Browser(client, match.group(1) if match else token, user_id)


def _user(app, partner_id, role="agent", email=None):
    with app.app_context():
        return make_user(role, partner_id, email=email).id


@pytest.fixture
def browser(app, tenant) -> Browser:
    """Partner A's agent, signed in to the admin UI (live)."""
    return _sign_in(app, "agent@acme.example",
                    _user(app, tenant.partner_id, email="agent@acme.example"))


def _open(app, partner_id, environment="live", channel="sms", address="+15551234567"):
    with app.app_context():
        contact, _ = contacts.resolve_or_create_by_identity(partner_id, environment, channel,
                                                            address)
        conversation = conversations.find_or_open(partner_id, environment, contact.id, channel)
        db.session.commit()
        return conversation.id


def _audit(app, response):
    with app.app_context():
        return db.session.scalar(select(AuditLog).where(
            AuditLog.request_id == response.headers["Request-Id"]))


# --- authentication -----------------------------------------------------------------------


def test_without_a_session_the_call_is_401(app, tenant):
    client = app.test_client()
    token = _page_token(client)
    response = client.post(f"/api/internal/conversations/{MISSING}/close",
                           headers={"X-CSRFToken": token})
    assert response.status_code == 401 and response.json["code"] == "invalid_token"
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize("token", [None, "forged-token"])
def test_missing_or_bad_csrf_token_is_a_403_problem_and_audited(app, tenant, browser, token):
    conversation_id = _open(app, tenant.partner_id)
    headers = {"X-CSRFToken": token} if token else {}
    response = browser.post(f"/conversations/{conversation_id}/close", csrf=False,
                            headers=headers)
    assert response.status_code == 403 and response.mimetype == "application/problem+json"
    assert response.json["code"] == "forbidden" and "CSRF" in response.json["detail"]
    assert response.json["request_id"] == response.headers["Request-Id"]
    row = _audit(app, response)
    assert (row.surface, row.status, row.actor, row.partner_id) == (
        "internal", 403, browser.user_id, tenant.partner_id)
    with app.app_context():
        assert db.session.get(Conversation, conversation_id).status == "open"


def test_the_surface_itself_requires_the_csrf_header_where_csrfprotect_is_off(app, tenant,
                                                                             browser):
    lax = create_app({"ENV_NAME": "testing", "WTF_CSRF_ENABLED": False})
    client = lax.test_client()
    client.set_cookie("session", browser.client.get_cookie("session").value)
    conversation_id = _open(app, tenant.partner_id)
    path = f"/api/internal/conversations/{conversation_id}/close"
    refused = client.post(path, headers={"X-CSRFToken": "forged"})
    assert refused.status_code == 403 and refused.json["code"] == "forbidden"
    assert "RateLimit" not in refused.headers  # refused before counting against the partner
    accepted = client.post(path, headers={"X-CSRFToken": browser.csrf_token})
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["status"] == "closed"


def test_operators_are_refused_until_acting_as_a_partner_exists(app, tenant):
    operator = _user(app, None, role="operator", email="ops@switchboard.example")
    response = _sign_in(app, "ops@switchboard.example", operator).post(
        f"/conversations/{MISSING}/close")
    assert response.status_code == 403 and response.json["code"] == "forbidden"
    assert "Operators" in response.json["detail"]


# --- inbox actions through the pipeline ----------------------------------------------------


def test_assign_close_and_reopen_are_audited_with_the_user_as_actor(app, tenant, browser):
    conversation_id = _open(app, tenant.partner_id)
    assigned = browser.post(f"/conversations/{conversation_id}/assign",
                            json={"agent_id": browser.user_id}, idempotency_key="form-1")
    assert assigned.status_code == 200, assigned.json
    ConversationOut.model_validate(assigned.json)
    assert assigned.json["assignee_id"] == browser.user_id
    closed = browser.post(f"/conversations/{conversation_id}/close")
    reopened = browser.post(f"/conversations/{conversation_id}/reopen")
    assert (closed.json["status"], reopened.json["status"]) == ("closed", "open")
    row = _audit(app, assigned)
    assert (row.surface, row.actor, row.partner_id, row.environment) == (
        "internal", browser.user_id, tenant.partner_id, "live")
    assert row.idempotency_key == "form-1" and conversation_id in row.object_ids
    with app.app_context():
        assert db.session.scalar(select(Event.type)) == "conversation.assigned"
    assert "RateLimit-Policy" in closed.headers


def test_a_double_submitted_form_replays_and_a_reused_key_is_422(app, tenant, browser):
    conversation_id = _open(app, tenant.partner_id)
    path = f"/conversations/{conversation_id}/assign"
    first = browser.post(path, json={"agent_id": browser.user_id}, idempotency_key="form-2")
    again = browser.post(path, json={"agent_id": browser.user_id}, idempotency_key="form-2")
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    reused = browser.post(path, json={"agent_id": None}, idempotency_key="form-2")
    assert reused.status_code == 422 and reused.json["code"] == "idempotency_key_reused"
    with app.app_context():
        assert db.session.get(Conversation, conversation_id).assignee_id == browser.user_id


def test_the_environment_is_the_sessions_choice(app, tenant, browser):
    sandbox = _open(app, tenant.partner_id, environment="sandbox")
    assert browser.post(f"/conversations/{sandbox}/close").status_code == 404
    browser.use_environment("sandbox")
    response = browser.post(f"/conversations/{sandbox}/close")
    assert response.status_code == 200 and response.json["status"] == "closed"
    assert _audit(app, response).environment == "sandbox"


def test_another_partners_conversation_is_404(app, tenant, other_tenant, browser):
    theirs = _open(app, other_tenant.partner_id)
    for path in (f"/conversations/{theirs}/close", f"/conversations/{MISSING}/close"):
        response = browser.post(path)
        assert response.status_code == 404 and response.json["code"] == "not_found"
    sent = browser.post("/messages/send_and_confirm",
                        json={"conversation_id": theirs, "text": "hi"})
    assert sent.status_code == 404
    with app.app_context():
        assert db.session.get(Conversation, theirs).status == "open"
        assert db.session.scalar(select(Message.id)) is None


def test_rate_limit_is_per_partner_with_429(app, tenant, other_tenant, browser):
    with app.app_context():
        db.session.execute(update(Partner).where(Partner.id == tenant.partner_id)
                           .values(rate_limit_live=2))
        db.session.commit()
    conversation_id = _open(app, tenant.partner_id)
    responses = [browser.post(f"/conversations/{conversation_id}/close") for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert responses[2].json["code"] == "rate_limited"
    assert responses[2].headers["X-RateLimit-Limit"] == "2"
    other = _sign_in(app, "agent@globex.example",
                     _user(app, other_tenant.partner_id, email="agent@globex.example"))
    theirs = _open(app, other_tenant.partner_id)
    assert other.post(f"/conversations/{theirs}/close").status_code == 200


# --- send and confirm -----------------------------------------------------------------------


class _Clock:
    """A monotonic clock that moves only when the code under test sleeps on it."""

    def __init__(self):
        self.now = 1_000.0
        self.slept = 0.0

    def monotonic(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept += seconds
        self.now += seconds


def _send_in_background(browser, body, key=None):
    result = {}

    def run():
        result["response"] = browser.post("/messages/send_and_confirm", json=body,
                                          idempotency_key=key)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, result


def _wait_for_queued_job(app, thread, timeout=20.0):
    with app.app_context():
        queue = get_queue("send")
        deadline = time.monotonic() + timeout
        while queue.count == 0 and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.02)
        return queue.count


def test_send_and_confirm_answers_200_once_the_worker_reports_sent(app, tenant, browser,
                                                                     monkeypatch):
    # A window no test run reaches: the answer must come from the worker's report.
    monkeypatch.setitem(app.config, "INTERNAL_SEND_CONFIRM_SECONDS", 3600)
    browser.use_environment("sandbox")
    conversation_id = _open(app, tenant.partner_id, environment="sandbox",
                            address="+15005550006")
    thread, result = _send_in_background(
        browser, {"conversation_id": conversation_id, "text": "Your order shipped"}, "form-3")
    try:
        assert _wait_for_queued_job(app, thread) == 1
        run_worker(app, list(app.config["RQ_QUEUES"]), burst=True)
    finally:
        thread.join(60)
    assert not thread.is_alive(), (
        "send_and_confirm still waiting 60 s after the worker sent the message: it must "
        "answer on the outcome, not when INTERNAL_SEND_CONFIRM_SECONDS runs out")
    response = result["response"]
    assert response.status_code == 200, response.json
    MessageOut.model_validate(response.json)
    assert response.json["status"] in ("sent", "delivered")
    assert response.json["environment"] == "sandbox" and response.json["to"] == "+15005550006"
    row = _audit(app, response)
    assert (row.surface, row.status, row.actor) == ("internal", 200, browser.user_id)
    # The double submit replays what was stored with the send: the message as queued.
    replay = browser.post("/messages/send_and_confirm",
                          json={"conversation_id": conversation_id,
                                "text": "Your order shipped"}, idempotency_key="form-3")
    assert replay.status_code == 202 and replay.headers["Idempotent-Replayed"] == "true"
    assert replay.json["id"] == response.json["id"] and replay.json["status"] == "queued"


def test_send_and_confirm_answers_202_queued_when_the_wait_runs_out(app, tenant, browser,
                                                                      monkeypatch):
    monkeypatch.setitem(app.config, "INTERNAL_SEND_CONFIRM_SECONDS", 0.5)
    clock = _Clock()
    monkeypatch.setattr(internal_messages, "time", clock)
    monkeypatch.setattr(inbox, "time", clock)
    conversation_id = _open(app, tenant.partner_id)
    response = browser.post("/messages/send_and_confirm",
                            json={"conversation_id": conversation_id, "text": "Hello"})
    assert response.status_code == 202 and response.json["status"] == "queued"
    assert response.json["conversation_id"] == conversation_id
    assert clock.slept == pytest.approx(0.5)  # the whole window, and not a poll more
    assert _audit(app, response).status == 202


def test_send_and_confirm_refuses_a_closed_conversation(app, tenant, browser):
    conversation_id = _open(app, tenant.partner_id)
    with app.app_context():
        conversations.close(tenant.partner_id, "live", conversation_id)
    response = browser.post("/messages/send_and_confirm",
                            json={"conversation_id": conversation_id, "text": "Hello"})
    assert response.status_code == 409 and response.json["code"] == "conflict"
