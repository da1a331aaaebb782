"""The agents' mobile inbox: push tokens, the polled feed, history and replies, all through
the same pipeline as `/api/v1` (rate limits, idempotency, audit, isolation).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.api.mobile.conversations import FeedConversationOut
from app.api.mobile.push_tokens import PushTokenOut
from app.api.v1.messages import MessageOut
from app.extensions import db
from app.models import AuditLog, Conversation, IdempotencyRecord, Message, Partner, PushToken
from app.models.base import utcnow
from app.services.billing import wallet
from app.services.inbox import contacts, conversations
from tests.api._mobile import Mobile, _audit, _count, _sign_in, _user

MISSING = "cnv_01HNQX2P8Y9R3T4V5W6Z7A8B9C"
FCM = "fcm-token_0123456789:abcdefghijklmnopqrstuvwxyz"


def _open(app, partner_id, environment="live", channel="sms", address="+15551234567",
          assignee_id=None):
    with app.app_context():
        contact, _ = contacts.resolve_or_create_by_identity(partner_id, environment, channel,
                                                            address)
        conversation = conversations.find_or_open(partner_id, environment, contact.id, channel)
        conversation.assignee_id = assignee_id
        db.session.commit()
        return conversation.id


def _touch(app, conversation_id, seconds_ago=0.0):
    with app.app_context():
        db.session.execute(update(Conversation).where(Conversation.id == conversation_id)
                           .values(updated_at=utcnow() - timedelta(seconds=seconds_ago)))
        db.session.commit()


# --- push tokens ----------------------------------------------------------------------------


def test_push_token_registration_creates_then_refreshes(app, agent):
    first = agent.post("/push_tokens", json={"token": FCM, "platform": "android"})
    assert first.status_code == 201
    PushTokenOut.model_validate(first.json)
    assert first.json["user_id"] == agent.user_id and FCM not in first.get_data(as_text=True)
    again = agent.post("/push_tokens", json={"token": FCM, "platform": "android"})
    assert again.status_code == 200 and again.json["id"] == first.json["id"]
    assert _count(app, PushToken) == 1


def test_a_device_token_moves_to_whoever_signs_in_on_it(app, tenant, agent):
    agent.post("/push_tokens", json={"token": FCM, "platform": "ios"})
    _user(app, tenant.partner_id, email="second@acme.example")
    second = Mobile(app.test_client(), _sign_in(app.test_client(), "second@acme.example").json)
    moved = second.post("/push_tokens", json={"token": FCM, "platform": "ios"})
    assert moved.status_code == 200 and moved.json["user_id"] != agent.user_id
    assert agent.post("/push_tokens/unregister", json={"token": FCM}).status_code == 404
    assert second.post("/push_tokens/unregister", json={"token": FCM}).status_code == 204
    assert _count(app, PushToken) == 0


def test_push_tokens_never_travel_in_a_url(app, agent):
    """A token in a path reaches access logs and audit rows: it goes in the body only."""
    push_rules = [rule.rule for rule in app.url_map.iter_rules() if "push_tokens" in rule.rule]
    assert push_rules and not any("<" in rule for rule in push_rules)
    agent.post("/push_tokens", json={"token": FCM, "platform": "android"})
    assert agent.post("/push_tokens/unregister", json={"token": FCM}).status_code == 204
    assert _count(app, PushToken) == 0
    with app.app_context():
        paths = list(db.session.scalars(select(AuditLog.path)))
    assert "/api/mobile/push_tokens/unregister" in paths
    assert not any(FCM in path for path in paths)


@pytest.mark.parametrize("body", [{"token": "short", "platform": "android"},
                                  {"token": FCM, "platform": "windows"},
                                  {"token": FCM + " x", "platform": "ios"}])
def test_invalid_push_tokens_are_422(agent, body):
    response = agent.post("/push_tokens", json=body)
    assert response.status_code == 422 and response.json["code"] == "invalid_field"


# --- the polled feed --------------------------------------------------------------------------


def test_feed_is_my_and_unassigned_conversations_most_recently_updated_first(app, tenant, agent):
    colleague = _user(app, tenant.partner_id, email="colleague@acme.example")
    mine = _open(app, tenant.partner_id, address="+15551230001", assignee_id=agent.user_id)
    unassigned = _open(app, tenant.partner_id, address="+15551230002")
    theirs = _open(app, tenant.partner_id, address="+15551230003", assignee_id=colleague)
    _touch(app, unassigned, seconds_ago=30)
    _touch(app, mine, seconds_ago=10)
    _touch(app, theirs, seconds_ago=0)
    response = agent.get("/conversations")
    assert response.status_code == 200
    body = response.json
    assert [c["id"] for c in body["data"]] == [mine, unassigned]
    assert body["has_more"] is False and body["next_cursor"] is None
    for item in body["data"]:
        FeedConversationOut.model_validate(item)
        assert item["contact"]["id"] == item["contact_id"]


def test_updated_since_returns_every_change_including_conversations_that_left_my_inbox(
        app, tenant, agent):
    colleague = _user(app, tenant.partner_id, email="colleague@acme.example")
    old = _open(app, tenant.partner_id, address="+15551230001")
    moved = _open(app, tenant.partner_id, address="+15551230002", assignee_id=agent.user_id)
    _touch(app, old, seconds_ago=3600)
    _touch(app, moved, seconds_ago=3600)
    since = (utcnow() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert agent.get(f"/conversations?updated_since={since}").json["data"] == []
    with app.app_context():
        conversations.assign(tenant.partner_id, "live", moved, colleague)
    changed = agent.get(f"/conversations?updated_since={since}").json["data"]
    assert [(c["id"], c["assignee_id"]) for c in changed] == [(moved, colleague)]


def test_feed_pages_follow_the_update_order_with_a_cursor(app, tenant, agent):
    ids = [_open(app, tenant.partner_id, address=f"+1555123000{n}") for n in range(5)]
    for age, conversation_id in enumerate(ids):
        _touch(app, conversation_id, seconds_ago=age)
    first = agent.get("/conversations?limit=2").json
    second = agent.get(f"/conversations?limit=2&cursor={first['next_cursor']}").json
    third = agent.get(f"/conversations?limit=2&cursor={second['next_cursor']}").json
    seen = [c["id"] for page in (first, second, third) for c in page["data"]]
    assert seen == ids and third["has_more"] is False
    bad = agent.get("/conversations?cursor=not-a-cursor")
    assert bad.status_code == 400 and bad.json["code"] == "invalid_cursor"


def test_unchanged_feed_answers_304_without_a_body_rate_limited_and_audited(app, tenant, agent):
    _open(app, tenant.partner_id)
    first = agent.get("/conversations")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    unchanged = agent.get("/conversations", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304 and unchanged.get_data() == b""
    assert unchanged.headers["ETag"] == etag
    assert unchanged.headers["RateLimit"].startswith("limit=600, remaining=")
    assert int(unchanged.headers["X-RateLimit-Remaining"]) == int(
        first.headers["X-RateLimit-Remaining"]) - 1
    row = _audit(app, unchanged)
    assert (row.surface, row.status, row.actor) == ("mobile", 304, agent.user_id)


def test_a_change_gives_a_new_etag_and_a_full_answer(app, tenant, agent):
    conversation_id = _open(app, tenant.partner_id)
    etag = agent.get("/conversations").headers["ETag"]
    with app.app_context():
        conversations.close(tenant.partner_id, "live", conversation_id)
    changed = agent.get("/conversations", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert changed.json["data"][0]["status"] == "closed"


# --- history and replies ------------------------------------------------------------------


def _inbound(app, partner_id, conversation_id, text, environment="live"):
    with app.app_context():
        conversation = db.session.get(Conversation, conversation_id)
        message = Message(partner_id=partner_id, environment=environment,
                          channel=conversation.channel, direction="inbound",
                          to_address="switchboard", from_address="+15551234567",
                          status="delivered", text=text, conversation_id=conversation_id,
                          contact_id=conversation.contact_id)
        db.session.add(message)
        db.session.commit()
        return message.id


def test_history_lists_the_conversation_messages_with_an_etag(app, tenant, agent):
    conversation_id = _open(app, tenant.partner_id)
    ids = [_inbound(app, tenant.partner_id, conversation_id, f"hi {n}") for n in range(3)]
    response = agent.get(f"/conversations/{conversation_id}/messages?limit=2")
    assert response.status_code == 200
    assert [m["id"] for m in response.json["data"]] == ids[::-1][:2]
    for item in response.json["data"]:
        MessageOut.model_validate(item)
    again = agent.get(f"/conversations/{conversation_id}/messages?limit=2",
                      headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_reply_goes_through_the_send_service_to_the_contacts_address(app, tenant, agent):
    conversation_id = _open(app, tenant.partner_id)
    _inbound(app, tenant.partner_id, conversation_id, "where is my order?")
    response = agent.post(f"/conversations/{conversation_id}/messages",
                          json={"text": "On its way!"}, idempotency_key="reply-1")
    assert response.status_code == 202, response.json
    message = response.json
    MessageOut.model_validate(message)
    assert (message["channel"], message["to"], message["status"], message["direction"]) == (
        "sms", "+15551234567", "queued", "outbound")
    assert message["conversation_id"] == conversation_id and message["text"] == "On its way!"
    with app.app_context():
        balance = wallet.get_wallet(tenant.partner_id, "live").balance_micros
    assert balance == 10_000_000 - int(float(message["cost_estimate"]) * 1_000_000)
    row = _audit(app, response)
    assert (row.surface, row.actor, row.idempotency_key) == ("mobile", agent.user_id, "reply-1")
    assert message["id"] in row.object_ids and conversation_id in row.object_ids


def test_a_reply_moves_its_conversation_into_the_next_poll(app, tenant, agent):
    conversation_id = _open(app, tenant.partner_id)
    _touch(app, conversation_id, seconds_ago=3600)
    since = (utcnow() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert agent.get(f"/conversations?updated_since={since}").json["data"] == []
    agent.post(f"/conversations/{conversation_id}/messages", json={"text": "Hi"})
    polled = agent.get(f"/conversations?updated_since={since}").json["data"]
    assert [c["id"] for c in polled] == [conversation_id]
    assert polled[0]["last_message_at"] is not None


def test_reply_is_idempotent_and_a_reused_key_is_422(app, tenant, agent):
    conversation_id = _open(app, tenant.partner_id)
    path = f"/conversations/{conversation_id}/messages"
    first = agent.post(path, json={"text": "Hello"}, idempotency_key="k-1")
    replay = agent.post(path, json={"text": "Hello"}, idempotency_key="k-1")
    assert replay.status_code == 202 and replay.get_data() == first.get_data()
    assert replay.headers["Idempotent-Replayed"] == "true"
    reused = agent.post(path, json={"text": "Hello again"}, idempotency_key="k-1")
    assert reused.status_code == 422 and reused.json["code"] == "idempotency_key_reused"
    assert _count(app, Message) == 1
    assert _count(app, IdempotencyRecord) == 1


def test_reply_to_a_closed_conversation_is_409(app, tenant, agent):
    conversation_id = _open(app, tenant.partner_id)
    with app.app_context():
        conversations.close(tenant.partner_id, "live", conversation_id)
    response = agent.post(f"/conversations/{conversation_id}/messages", json={"text": "Hi"})
    assert response.status_code == 409 and response.json["code"] == "conflict"
    assert _count(app, Message) == 0


def test_reply_validates_its_body(app, tenant, agent):
    conversation_id = _open(app, tenant.partner_id)
    response = agent.post(f"/conversations/{conversation_id}/messages",
                          json={"text": "", "channel": "sms"})
    assert response.status_code == 422
    assert {e["param"] for e in response.json["errors"]} == {"text", "channel"}


# --- isolation and rate limits ---------------------------------------------------------------


def test_another_partners_or_environments_conversation_is_404(app, tenant, other_tenant, agent):
    theirs = _open(app, other_tenant.partner_id)
    sandbox = _open(app, tenant.partner_id, environment="sandbox")
    for conversation_id in (theirs, sandbox, MISSING):
        history = agent.get(f"/conversations/{conversation_id}/messages")
        assert history.status_code == 404 and history.json["code"] == "not_found"
        reply = agent.post(f"/conversations/{conversation_id}/messages", json={"text": "x"})
        assert reply.status_code == 404
    assert agent.get("/conversations").json["data"] == []
    assert _count(app, Message) == 0


def test_sandbox_tokens_see_the_sandbox_only(app, tenant, agent):
    live = _open(app, tenant.partner_id)
    sandbox = _open(app, tenant.partner_id, environment="sandbox")
    tokens = _sign_in(app.test_client(), "agent@acme.example", environment="sandbox").json
    in_sandbox = Mobile(app.test_client(), tokens)
    assert [c["id"] for c in in_sandbox.get("/conversations").json["data"]] == [sandbox]
    assert [c["id"] for c in agent.get("/conversations").json["data"]] == [live]


def test_rate_limit_is_the_partners_with_headers_and_429(app, tenant, other_tenant, agent):
    with app.app_context():
        db.session.execute(update(Partner).where(Partner.id == tenant.partner_id)
                           .values(rate_limit_live=2))
        db.session.commit()
    responses = [agent.get("/conversations") for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert responses[0].headers["RateLimit-Policy"] == "2;w=60"
    assert responses[2].json["code"] == "rate_limited" and "Retry-After" in responses[2].headers
    # The budget is the partner's, shared with its API keys; other partners are unaffected.
    assert tenant.live.get("/conversations").status_code == 429
    _user(app, other_tenant.partner_id, email="agent@globex.example")
    other = Mobile(app.test_client(), _sign_in(app.test_client(), "agent@globex.example").json)
    assert other.get("/conversations").status_code == 200
