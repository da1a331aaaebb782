"""`POST /messages`: accept, price, charge, write, enqueue; contacts and conversations."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import (
    Contact,
    ContactIdentity,
    Conversation,
    Message,
    MessageEvent,
    WalletTransaction,
)
from app.services.messaging import senders
from tests.api._messages import (
    EXAMPLE,
    EXAMPLE_KEY,
    ORDER_TEMPLATE,
    SMS,
    _balance,
    _count,
    _send_queue_args,
)
from tests.factories import ApiClient, make_partner

MESSAGE_FIELDS = ["id", "object", "environment", "channel", "direction", "to", "from", "status",
                  "template", "language", "variables", "text", "subject", "html", "title",
                  "segments", "conversation_id", "contact_id", "cost_estimate", "cost",
                  "currency", "gateway", "provider_message_id", "retry_count", "last_error",
                  "fallback_of", "metadata",
                  "created_at", "updated_at"]


# --- The documented example -------------------------------------------------------------------

def test_the_design_example_is_accepted_queued_and_priced(app, api, order_template):
    response = api.post("/messages", json=EXAMPLE, idempotency_key=EXAMPLE_KEY)
    assert response.status_code == 202
    body = response.json
    assert list(body) == MESSAGE_FIELDS
    assert body["id"].startswith("msg_") and body["object"] == "message"
    assert (body["environment"], body["channel"], body["direction"]) == ("live", "whatsapp",
                                                                         "outbound")
    assert (body["to"], body["from"], body["status"]) == ("+15551234567", None, "queued")
    assert (body["template"], body["language"]) == ("order_confirmation", "en")
    assert body["variables"] == EXAMPLE["variables"]
    assert body["text"] is None  # the template is rendered by WhatsApp, not stored as text
    assert (body["cost_estimate"], body["cost"], body["currency"]) == ("0.012", None, "USD")
    assert body["segments"] == 1 and body["retry_count"] == 0 and body["last_error"] is None
    assert body["conversation_id"].startswith("cnv_") and body["contact_id"].startswith("con_")
    assert body["created_at"] == body["updated_at"] and body["created_at"].endswith("Z")
    assert _balance(api) == "9.988000"
    assert api.get(f"/messages/{body['id']}").json == body


def test_an_accepted_send_has_one_job_sending_the_queued_messages_on_its_way(app, api):
    """Not a job per message: one job sends every queued message (messaging.drain)."""
    first = api.post("/messages", json=SMS).json
    second = api.post("/messages", json=SMS).json
    assert first["status"] == second["status"] == "queued"
    assert _send_queue_args(app) == [("jobs.send.send_queued", ())]


def test_the_message_starts_with_one_queued_status_event(app, api):
    message_id = api.post("/messages", json=SMS).json["id"]
    with app.app_context():
        message = db.session.get(Message, message_id)
        events = db.session.scalars(select(MessageEvent).where(
            MessageEvent.message_id == message_id)).all()
        assert message.status_sequence == 1
        assert [(e.sequence, e.status) for e in events] == [(1, "queued")]


def test_a_send_is_committed_even_when_redis_is_down(app, api):
    old = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    try:
        response = api.post("/messages", json=SMS)
    finally:
        app.config["REDIS_URL"] = old
    assert response.status_code == 202
    assert api.get(f"/messages/{response.json['id']}").json["status"] == "queued"
    assert _send_queue_args(app) == []  # the sweeper will enqueue it


# --- Every channel ----------------------------------------------------------------------------

@pytest.mark.parametrize(("payload", "cost", "segments"), [
    ({"channel": "sms", "to": "+447700900123", "text": "Hello"}, "0.040", 1),
    ({"channel": "sms", "to": "+15551234567", "text": "x" * 161}, "0.0158", 2),
    ({"channel": "sms", "to": "+15551234567", "text": "Olá 🙂"}, "0.0079", 1),
    ({"channel": "whatsapp", "to": "+15551234567", "text": "Inside the 24 h window"}, "0.012",
     1),
    ({"channel": "rcs", "to": "+4915123456789", "text": "Hallo"}, "0.095", 1),
    ({"channel": "email", "to": "ann@example.com", "subject": "Receipt", "text": "Thanks"},
     "0.001", 1),
    ({"channel": "email", "to": "ann@example.com", "subject": "Receipt", "html": "<p>Hi</p>"},
     "0.001", 1),
    ({"channel": "messenger", "to": "6789012345", "text": "Hi"}, "0.002", 1),
    ({"channel": "instagram", "to": "17841400000000000", "text": "Hi"}, "0.002", 1),
    ({"channel": "telegram", "to": 123456789, "text": "Hi"}, "0.001", 1),
    ({"channel": "telegram", "to": "@switchboard_news", "text": "Hi"}, "0.001", 1),
    ({"channel": "viber", "to": "01234567890A+bcdef==", "text": "Hi"}, "0.005", 1),
    ({"channel": "line", "to": "U4af4980629", "text": "Hi"}, "0.003", 1),
    ({"channel": "webchat", "to": "visitor_42", "text": "Hi"}, "0.0005", 1),
    ({"channel": "push", "to": "fcm-token_" + "a" * 40, "title": "Order", "text": "Shipped"},
     "0.0001", 1),
])
def test_every_channel_accepts_its_own_kind_of_send(api, payload, cost, segments):
    response = api.post("/messages", json=payload)
    assert response.status_code == 202, response.json
    body = response.json
    assert (body["channel"], body["status"]) == (payload["channel"], "queued")
    assert (body["cost_estimate"], body["segments"]) == (cost, segments)
    for field in ("text", "subject", "html", "title"):
        assert body[field] == payload.get(field)
    assert body["template"] is None and body["variables"] is None


def test_addresses_are_stored_normalised(api):
    phone = api.post("/messages", json={**SMS, "to": "+1 (555) 123-4567"}).json
    assert phone["to"] == "+15551234567"
    mail = api.post("/messages", json={"channel": "email", "to": "Ann@EXAMPLE.com",
                                       "subject": "Hi", "text": "Hi"}).json
    assert mail["to"] == "Ann@example.com"
    chat = api.post("/messages", json={"channel": "telegram", "to": "0042", "text": "Hi"}).json
    assert chat["to"] == "42"


def test_from_is_kept_on_the_message(app, tenant, api):
    with app.app_context():
        senders.add(tenant.partner_id, "sms", "ACME")
    response = api.post("/messages", json={**SMS, "from": "ACME"})
    assert response.status_code == 202 and response.json["from"] == "ACME"


def test_metadata_is_stored_and_echoed(api):
    sent = api.post("/messages", json={**SMS, "metadata": {"order": "TR-204821", "attempt": 2}})
    assert sent.status_code == 202, sent.json
    assert sent.json["metadata"] == {"order": "TR-204821", "attempt": 2}
    assert api.get(f"/messages/{sent.json['id']}").json["metadata"] == {"order": "TR-204821",
                                                                        "attempt": 2}
    plain = api.post("/messages", json=SMS)
    assert plain.json["metadata"] == {}


# --- Money ---------------------------------------------------------------------------------------

def test_insufficient_funds_is_402_and_writes_nothing(app):
    with app.app_context():
        poor = make_partner(name="Poor", balance="0.010")
    client = ApiClient(app.test_client(), poor.live_key)
    assert client.post("/templates", json=ORDER_TEMPLATE).status_code == 201
    response = client.post("/messages", json=EXAMPLE)
    assert response.status_code == 402
    body = response.json
    assert body["code"] == "insufficient_funds"
    assert body["detail"] == "Balance 0.010 USD is below the estimate 0.012 USD."
    assert body["type"].endswith("/errors/insufficient-funds")
    assert _balance(client) == "0.010000"
    for model in (Message, MessageEvent, Contact, ContactIdentity, Conversation):
        assert _count(app, model, partner_id=poor.partner.id) == 0
    assert _count(app, WalletTransaction, partner_id=poor.partner.id, type="debit") == 0
    assert _send_queue_args(app) == []


def test_the_debit_references_the_message(api):
    message = api.post("/messages", json=SMS).json
    ledger = api.get(f"/wallet/transactions?message_id={message['id']}").json["data"]
    assert len(ledger) == 1
    entry = ledger[0]
    assert (entry["type"], entry["amount"], entry["currency"]) == ("debit", "-0.007900", "USD")
    assert entry["balance_after"] == "9.992100" == _balance(api)


def test_a_sandbox_send_spends_play_money_only(tenant):
    response = tenant.sandbox.post("/messages", json=SMS)
    assert response.status_code == 202 and response.json["environment"] == "sandbox"
    assert _balance(tenant.sandbox) == "99.992100"
    assert _balance(tenant.live) == "10.000000"


# --- Contacts and conversations -----------------------------------------------------------------

def test_a_new_address_gets_a_contact_and_an_open_conversation(app, api):
    message = api.post("/messages", json=SMS).json
    with app.app_context():
        contact = db.session.get(Contact, message["contact_id"])
        assert [(i.channel, i.address) for i in contact.identities] == [("sms", "+15551234567")]
        conversation = db.session.get(Conversation, message["conversation_id"])
        assert (conversation.contact_id, conversation.channel, conversation.status) == (
            contact.id, "sms", "open")
        assert conversation.last_message_at is not None


def test_a_second_send_to_the_same_address_reuses_contact_and_conversation(app, api):
    first = api.post("/messages", json=SMS).json
    second = api.post("/messages", json={**SMS, "to": "+1 555 123 4567"}).json
    assert second["contact_id"] == first["contact_id"]
    assert second["conversation_id"] == first["conversation_id"]
    assert _count(app, Contact) == 1 and _count(app, Conversation) == 1
    with app.app_context():
        conversation = db.session.get(Conversation, first["conversation_id"])
        sent = db.session.get(Message, second["id"])
        assert conversation.last_message_at == sent.created_at


def test_another_address_or_channel_is_another_contact_never_merged(app, api):
    sms = api.post("/messages", json=SMS).json
    other_number = api.post("/messages", json={**SMS, "to": "+15557654321"}).json
    whatsapp = api.post("/messages", json={"channel": "whatsapp", "to": SMS["to"],
                                           "text": "Hi"}).json
    assert len({sms["contact_id"], other_number["contact_id"], whatsapp["contact_id"]}) == 3
    assert _count(app, Contact) == 3 and _count(app, Conversation) == 3


def test_a_send_to_a_known_identity_uses_its_contact(app, tenant, api):
    with app.app_context():
        contact = Contact(partner_id=tenant.partner_id, environment="live", name="Ann",
                          attributes={})
        db.session.add(contact)
        db.session.flush()
        db.session.add(ContactIdentity(partner_id=tenant.partner_id, environment="live",
                                       contact_id=contact.id, channel="sms",
                                       address="+15551234567"))
        db.session.commit()
        contact_id = contact.id
    message = api.post("/messages", json=SMS).json
    assert message["contact_id"] == contact_id
    assert _count(app, Contact) == 1


def test_a_closed_conversation_is_not_reopened(app, api):
    first = api.post("/messages", json=SMS).json
    with app.app_context():
        db.session.execute(update(Conversation).values(status="closed"))
        db.session.commit()
    second = api.post("/messages", json=SMS).json
    assert second["contact_id"] == first["contact_id"]
    assert second["conversation_id"] != first["conversation_id"]


def test_the_same_address_in_another_environment_is_another_contact(app, tenant):
    live = tenant.live.post("/messages", json=SMS).json
    sandbox = tenant.sandbox.post("/messages", json=SMS).json
    assert live["contact_id"] != sandbox["contact_id"]
    with app.app_context():
        assert db.session.get(Contact, sandbox["contact_id"]).environment == "sandbox"


def test_template_variables_are_kept_in_the_templates_placeholder_order(api, order_template):
    shuffled = {"eta": "15 minutes", "name": "Nayeem", "order_id": "TR-204821"}
    sent = api.post("/messages", json={**EXAMPLE, "variables": shuffled})
    assert sent.status_code == 202, sent.json
    assert list(sent.json["variables"]) == ["name", "order_id", "eta"]
