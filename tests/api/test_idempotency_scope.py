"""Idempotency keys belong to one user on /api/mobile and /api/internal.

The review's reproduction: an agent's reply with the same key and body as an admin's got the
admin's stored response back (`Idempotent-Replayed`) and was never sent.
"""

from __future__ import annotations

from app.models import IdempotencyRecord, Message
from tests.api._mobile import Mobile, _count, _sign_in, _user
from tests.api.test_internal import _sign_in as _browser_sign_in
from tests.api.test_internal import _user as _browser_user
from tests.api.test_mobile_inbox import _open


def _phone(app, partner_id, email, role):
    _user(app, partner_id, role=role, email=email)
    client = app.test_client()
    return Mobile(client, _sign_in(client, email).json)


def test_two_mobile_users_with_the_same_key_and_body_both_send(app, tenant):
    admin = _phone(app, tenant.partner_id, "admin@acme.example", "admin")
    agent = _phone(app, tenant.partner_id, "agent@acme.example", "agent")
    path = f"/conversations/{_open(app, tenant.partner_id)}/messages"
    first = admin.post(path, json={"text": "On its way"}, idempotency_key="reply-1")
    second = agent.post(path, json={"text": "On its way"}, idempotency_key="reply-1")
    assert first.status_code == second.status_code == 202
    assert "Idempotent-Replayed" not in second.headers
    assert second.json["id"] != first.json["id"]
    assert _count(app, Message) == 2
    # Each user's own retry still replays their own answer.
    retry = agent.post(path, json={"text": "On its way"}, idempotency_key="reply-1")
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert retry.get_data() == second.get_data()
    assert _count(app, IdempotencyRecord) == 2


def test_the_admin_ui_and_the_app_of_one_user_are_separate_key_spaces(app, tenant):
    user_id = _browser_user(app, tenant.partner_id, email="agent@acme.example")
    browser = _browser_sign_in(app, "agent@acme.example", user_id)
    other = _browser_sign_in(app, "agent2@acme.example",
                             _browser_user(app, tenant.partner_id, email="agent2@acme.example"))
    conversation_id = _open(app, tenant.partner_id)
    note = {"body": "Customer called"}
    path = f"/conversations/{conversation_id}/notes"
    first = browser.post(path, json=note, idempotency_key="form-1")
    second = other.post(path, json=note, idempotency_key="form-1")
    assert first.status_code == second.status_code
    assert 200 <= first.status_code < 300, first.json
    assert "Idempotent-Replayed" not in second.headers
    assert second.json["id"] != first.json["id"]
    phone = Mobile(app.test_client(), _sign_in(app.test_client(), "agent@acme.example").json)
    reply = phone.post(f"/conversations/{conversation_id}/messages",
                       json={"text": "Customer called"}, idempotency_key="form-1")
    assert reply.status_code == 202 and "Idempotent-Replayed" not in reply.headers


def test_v1_keys_stay_in_the_partners_key_space(tenant):
    """/api/v1 is unchanged: one partner, one key space per environment (DESIGN.md)."""
    body = {"channel": "sms", "to": "+15551234567", "text": "Hi"}
    first = tenant.live.post("/messages", json=body, headers={"Idempotency-Key": "v1-key"})
    again = tenant.live.post("/messages", json=body, headers={"Idempotency-Key": "v1-key"})
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()
