"""Conversations: list and filter, history, assignment events, close/reopen, isolation."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Conversation, Event, Message, User
from app.models.base import utcnow
from app.services.inbox import contacts, conversations
from app.services.messaging.objects import message_to_api
from tests.factories import make_user

MISSING = "cnv_01HNQX2P8Y9R3T4V5W6Z7A8B9C"
FIELDS = ["id", "object", "contact_id", "channel", "status", "assignee_id", "last_message_at",
          "created_at", "updated_at"]


def _open(app, partner_id, environment="live", channel="sms", address="+15551234567"):
    """A contact and its open conversation, as a send or an inbound message makes them."""
    with app.app_context():
        contact, _ = contacts.resolve_or_create_by_identity(partner_id, environment, channel,
                                                            address)
        conversation = conversations.find_or_open(partner_id, environment, contact.id, channel)
        db.session.commit()
        return conversation.id


def _messages(app, partner_id, conversation_id, count, environment="live"):
    with app.app_context():
        conversation = db.session.get(Conversation, conversation_id)
        ids = []
        for n in range(count):
            message = Message(partner_id=partner_id, environment=environment,
                              channel=conversation.channel,
                              direction="inbound" if n % 2 == 0 else "outbound",
                              to_address="+15550000000", from_address="+15551234567",
                              status="delivered", text=f"message {n}",
                              conversation_id=conversation.id,
                              contact_id=conversation.contact_id)
            db.session.add(message)
            db.session.flush()
            ids.append(message.id)
        db.session.commit()
        return ids


def _user(app, role, partner_id, email=None):
    with app.app_context():
        return make_user(role, partner_id, email=email).id


def _assigned_events(app):
    with app.app_context():
        return [event.data for event in db.session.scalars(
            select(Event).where(Event.type == "conversation.assigned").order_by(Event.id))]


# Get and list


def test_get_returns_the_conversation_object(app, tenant, api):
    conversation_id = _open(app, tenant.partner_id)
    response = api.get(f"/conversations/{conversation_id}")
    assert response.status_code == 200
    body = response.json
    assert list(body) == FIELDS
    assert (body["id"], body["object"], body["channel"], body["status"]) == (
        conversation_id, "conversation", "sms", "open")
    assert body["contact_id"].startswith("con_") and body["assignee_id"] is None
    assert body["last_message_at"] is None and body["created_at"].endswith("Z")


def test_list_is_newest_first_with_cursor_pagination(app, tenant, api):
    ids = [_open(app, tenant.partner_id, address=f"+1555123456{n}") for n in range(3)]
    first = api.get("/conversations?limit=2").json
    assert [c["id"] for c in first["data"]] == ids[::-1][:2] and first["has_more"] is True
    second = api.get(f"/conversations?limit=2&cursor={first['next_cursor']}").json
    assert [c["id"] for c in second["data"]] == [ids[0]] and second["next_cursor"] is None


def test_list_filters_by_status_channel_and_contact(app, tenant, api):
    api.post("/contacts", json={"identities": [{"channel": "sms", "address": "+15551234567"},
                                               {"channel": "whatsapp",
                                                "address": "+15551234567"}]})
    sms = _open(app, tenant.partner_id, "live", "sms", "+15551234567")
    whatsapp = _open(app, tenant.partner_id, "live", "whatsapp", "+15551234567")
    other = _open(app, tenant.partner_id, "live", "sms", "+15557654321")
    api.post(f"/conversations/{other}/close")
    contact_id = api.get(f"/conversations/{sms}").json["contact_id"]

    def ids(query):
        response = api.get(f"/conversations?{query}")
        assert response.status_code == 200, response.json
        return {c["id"] for c in response.json["data"]}

    assert ids("status=open") == {sms, whatsapp}
    assert ids("status=closed") == {other}
    assert ids("channel=whatsapp") == {whatsapp}
    assert ids(f"contact_id={contact_id}") == {sms, whatsapp}
    assert ids(f"contact_id={contact_id}&channel=sms&status=open") == {sms}


def test_list_filters_by_assignee_and_none_means_unassigned(app, tenant, api):
    agent = _user(app, "agent", tenant.partner_id)
    mine = _open(app, tenant.partner_id, address="+15551234567")
    unassigned = _open(app, tenant.partner_id, address="+15557654321")
    assert api.post(f"/conversations/{mine}/assign", json={"agent_id": agent}).status_code == 200
    assert [c["id"] for c in api.get(f"/conversations?assignee_id={agent}").json["data"]] == [
        mine]
    assert [c["id"] for c in api.get("/conversations?assignee_id=none").json["data"]] == [
        unassigned]


def test_list_filters_by_updated_since(app, tenant, api):
    old = _open(app, tenant.partner_id, address="+15551234567")
    recent = _open(app, tenant.partner_id, address="+15557654321")
    with app.app_context():
        db.session.get(Conversation, old).updated_at = utcnow() - timedelta(hours=2)
        db.session.commit()
    since = (utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert [c["id"] for c in api.get(f"/conversations?updated_since={since}").json["data"]] == [
        recent]
    offset = (utcnow() - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    response = api.get("/conversations", query_string={"updated_since": offset})
    assert {c["id"] for c in response.json["data"]} == {old, recent}


@pytest.mark.parametrize(("query", "param"), [
    ("updated_since=yesterday", "updated_since"),
    ("updated_since=2026-05-23T14:22:17", "updated_since"),  # no offset: ambiguous
    ("updated_since=1716474137", "updated_since"),
    ("status=pending", "status"),
    ("channel=fax", "channel"),
    ("assignee_id=nobody", "assignee_id"),
    ("contact_id=crm-42", "contact_id"),
    (f"contact_id={MISSING}", "contact_id"),  # a conversation id, not a contact id
    ("limit=0", "limit"),
    ("sort=asc", "sort"),
])
def test_malformed_list_filters_are_400(api, query, param):
    response = api.get(f"/conversations?{query}")
    assert response.status_code == 400
    assert (response.json["code"], response.json["param"]) == ("invalid_parameter", param)


# Isolation


def test_other_partners_and_environments_conversations_answer_404_like_missing_ones(
        app, tenant, other_tenant):
    foreign = _open(app, other_tenant.partner_id, "live")
    sandbox = _open(app, tenant.partner_id, "sandbox")
    agent = _user(app, "agent", tenant.partner_id)
    for conversation_id in (foreign, sandbox, MISSING, "nope"):
        for response in (
            tenant.live.get(f"/conversations/{conversation_id}"),
            tenant.live.get(f"/conversations/{conversation_id}/messages"),
            tenant.live.post(f"/conversations/{conversation_id}/assign",
                             json={"agent_id": agent}),
            tenant.live.post(f"/conversations/{conversation_id}/close"),
            tenant.live.post(f"/conversations/{conversation_id}/reopen"),
        ):
            assert response.status_code == 404, (conversation_id, response.json)
            assert response.json["code"] == "not_found"
    assert other_tenant.live.get(f"/conversations/{foreign}").json["status"] == "open"
    assert tenant.sandbox.get(f"/conversations/{sandbox}").json["assignee_id"] is None
    assert _assigned_events(app) == []


def test_lists_never_show_another_partners_or_environments_conversations(
        app, tenant, other_tenant):
    foreign = _open(app, other_tenant.partner_id, "live")
    sandbox = _open(app, tenant.partner_id, "sandbox")
    foreign_contact = other_tenant.live.get(f"/conversations/{foreign}").json["contact_id"]
    assert tenant.live.get("/conversations").json["data"] == []
    assert tenant.live.get(f"/conversations?contact_id={foreign_contact}").json["data"] == []
    assert [c["id"] for c in tenant.sandbox.get("/conversations").json["data"]] == [sandbox]


# History


def test_history_is_newest_first_by_default_with_the_message_object(app, tenant, api):
    conversation_id = _open(app, tenant.partner_id)
    ids = _messages(app, tenant.partner_id, conversation_id, 3)
    response = api.get(f"/conversations/{conversation_id}/messages")
    assert response.status_code == 200
    body = response.json
    assert [m["id"] for m in body["data"]] == ids[::-1]
    with app.app_context():
        assert body["data"][0] == message_to_api(db.session.get(Message, ids[-1]))
    assert body["data"][0]["object"] == "message"
    assert body["data"][0]["conversation_id"] == conversation_id


def test_history_pages_in_both_orders(app, tenant, api):
    conversation_id = _open(app, tenant.partner_id)
    ids = _messages(app, tenant.partner_id, conversation_id, 5)
    for order, expected in (("asc", ids), ("desc", ids[::-1])):
        seen, cursor = [], None
        while True:
            query = f"order={order}&limit=2" + (f"&cursor={cursor}" if cursor else "")
            page = api.get(f"/conversations/{conversation_id}/messages?{query}").json
            seen += [m["id"] for m in page["data"]]
            cursor = page["next_cursor"]
            if not page["has_more"]:
                break
        assert seen == expected


def test_history_holds_only_that_conversations_messages(app, tenant, api):
    first = _open(app, tenant.partner_id, channel="sms")
    second = _open(app, tenant.partner_id, channel="whatsapp")
    mine = _messages(app, tenant.partner_id, first, 2)
    _messages(app, tenant.partner_id, second, 2)
    data = api.get(f"/conversations/{first}/messages").json["data"]
    assert sorted(m["id"] for m in data) == sorted(mine)


@pytest.mark.parametrize(("query", "code"), [("order=newest", "invalid_parameter"),
                                             ("cursor=%%%", "invalid_cursor")])
def test_history_refuses_malformed_parameters(app, tenant, api, query, code):
    conversation_id = _open(app, tenant.partner_id)
    response = api.get(f"/conversations/{conversation_id}/messages?{query}")
    assert response.status_code == 400 and response.json["code"] == code


# Assignment


def test_assign_returns_the_conversation_and_records_an_event(app, tenant, api):
    agent = _user(app, "agent", tenant.partner_id)
    conversation_id = _open(app, tenant.partner_id)
    response = api.post(f"/conversations/{conversation_id}/assign", json={"agent_id": agent})
    assert response.status_code == 200
    assert response.json["assignee_id"] == agent
    assert api.get(f"/conversations/{conversation_id}").json == response.json
    [data] = _assigned_events(app)
    assert data == {**response.json,
                    "assignee": {"id": agent, "email": f"agent-{tenant.partner_id}@example.com"
                                 .lower(), "name": None},
                    "previous_assignee_id": None}
    with app.app_context():
        event = db.session.scalar(select(Event).where(Event.type == "conversation.assigned"))
        assert (event.partner_id, event.environment, event.object_id) == (
            tenant.partner_id, "live", conversation_id)


def test_admins_can_be_assigned_and_null_unassigns(app, tenant, api):
    admin = _user(app, "admin", tenant.partner_id)
    conversation_id = _open(app, tenant.partner_id)
    api.post(f"/conversations/{conversation_id}/assign", json={"agent_id": admin})
    response = api.post(f"/conversations/{conversation_id}/assign", json={"agent_id": None})
    assert response.status_code == 200 and response.json["assignee_id"] is None
    events = _assigned_events(app)
    assert [(e["assignee_id"], e["previous_assignee_id"]) for e in events] == [
        (admin, None), (None, admin)]
    assert events[1]["assignee"] is None


def test_reassigning_to_the_current_assignee_records_no_event(app, tenant, api):
    agent = _user(app, "agent", tenant.partner_id)
    conversation_id = _open(app, tenant.partner_id)
    first = api.post(f"/conversations/{conversation_id}/assign", json={"agent_id": agent})
    again = api.post(f"/conversations/{conversation_id}/assign", json={"agent_id": agent})
    assert again.status_code == 200 and again.json == first.json
    unassigned = _open(app, tenant.partner_id, address="+15557654321")
    assert api.post(f"/conversations/{unassigned}/assign",
                    json={"agent_id": None}).status_code == 200
    assert len(_assigned_events(app)) == 1


def test_assign_refuses_anyone_but_an_active_member_of_the_team(app, tenant, other_tenant,
                                                                api):
    foreign_agent = _user(app, "agent", other_tenant.partner_id)
    operator = _user(app, "operator", None)
    disabled = _user(app, "agent", tenant.partner_id, email="gone@example.com")
    with app.app_context():
        db.session.get(User, disabled).disabled_at = utcnow()
        db.session.commit()
    conversation_id = _open(app, tenant.partner_id)
    for agent_id in (foreign_agent, operator, disabled, "usr_01HNQX2P8Y9R3T4V5W6Z7A8B9C"):
        response = api.post(f"/conversations/{conversation_id}/assign",
                            json={"agent_id": agent_id})
        assert response.status_code == 422
        assert (response.json["code"], response.json["param"]) == ("invalid_field", "agent_id")
    assert api.get(f"/conversations/{conversation_id}").json["assignee_id"] is None
    assert _assigned_events(app) == []


@pytest.mark.parametrize(("body", "code"), [({}, "missing_field"),
                                            ({"agent_id": "agent-7"}, "invalid_field"),
                                            ({"agent_id": MISSING}, "invalid_field"),
                                            ({"agent_id": 7}, "invalid_field")])
def test_assign_needs_an_agent_id_or_null(app, tenant, api, body, code):
    conversation_id = _open(app, tenant.partner_id)
    response = api.post(f"/conversations/{conversation_id}/assign", json=body)
    assert response.status_code == 422
    assert (response.json["code"], response.json["param"]) == (code, "agent_id")


# Close and reopen


def test_close_and_reopen_are_idempotent(app, tenant, api):
    conversation_id = _open(app, tenant.partner_id)
    closed = api.post(f"/conversations/{conversation_id}/close")
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    again = api.post(f"/conversations/{conversation_id}/close")
    assert again.status_code == 200 and again.json == closed.json
    reopened = api.post(f"/conversations/{conversation_id}/reopen")
    assert reopened.status_code == 200 and reopened.json["status"] == "open"
    assert api.post(f"/conversations/{conversation_id}/reopen").json == reopened.json


def test_close_and_reopen_take_no_body(app, tenant, api):
    conversation_id = _open(app, tenant.partner_id)
    response = api.post(f"/conversations/{conversation_id}/close", json={"status": "closed"})
    assert response.status_code == 400 and response.json["code"] == "invalid_request"


def test_after_close_the_next_message_opens_a_new_conversation(app, tenant, api):
    first = _open(app, tenant.partner_id)
    api.post(f"/conversations/{first}/close")
    second = _open(app, tenant.partner_id)
    assert second != first
    assert api.get(f"/conversations/{second}").json["status"] == "open"


def test_reopen_refuses_while_the_contact_has_another_open_conversation(app, tenant, api):
    first = _open(app, tenant.partner_id)
    api.post(f"/conversations/{first}/close")
    second = _open(app, tenant.partner_id)
    response = api.post(f"/conversations/{first}/reopen")
    assert response.status_code == 409 and response.json["code"] == "conflict"
    assert second in response.json["detail"]
    assert api.get(f"/conversations/{first}").json["status"] == "closed"


# find_or_open (the send and inbound paths)


def test_find_or_open_returns_the_open_conversation_per_contact_and_channel(app, tenant):
    first = _open(app, tenant.partner_id, channel="sms")
    assert _open(app, tenant.partner_id, channel="sms") == first
    assert _open(app, tenant.partner_id, channel="whatsapp") != first


def test_find_or_open_refuses_another_partners_contact(app, tenant, other_tenant):
    foreign = _open(app, other_tenant.partner_id)
    with app.app_context():
        contact_id = db.session.get(Conversation, foreign).contact_id
        with pytest.raises(Exception) as raised:
            conversations.find_or_open(tenant.partner_id, "live", contact_id, "sms")
        assert raised.value.entry.code == "not_found"


def test_concurrent_find_or_open_makes_one_conversation(app, tenant):
    with app.app_context():
        contact, _ = contacts.resolve_or_create_by_identity(tenant.partner_id, "live", "sms",
                                                            "+15551234567")
        contact_id = contact.id
        db.session.commit()
    barrier = threading.Barrier(4)
    found: list[str] = []
    failures: list[BaseException] = []

    def open_one() -> None:
        with app.app_context():
            try:
                barrier.wait()
                conversation = conversations.find_or_open(tenant.partner_id, "live",
                                                          contact_id, "sms")
                conversation_id = conversation.id
                db.session.commit()
                found.append(conversation_id)
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                failures.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=open_one) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == [] and len(found) == 4 and len(set(found)) == 1
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Conversation)) == 1
