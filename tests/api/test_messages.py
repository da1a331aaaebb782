"""`POST /messages` (validate, price, charge, write, enqueue) and `GET /messages[/{id}]`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from rq import Queue
from rq.job import Job
from sqlalchemy import func, select, update

from app.extensions import db, redis_connection
from app.models import (
    Contact,
    ContactIdentity,
    Conversation,
    Message,
    MessageEvent,
    Wallet,
    WalletTransaction,
)
from tests.factories import ApiClient, make_partner

ORDER_TEMPLATE = {"name": "order_confirmation", "language": "en", "channel": "whatsapp",
                  "body": "Hi {{name}}, order {{order_id}} arrives in {{eta}}."}
EXAMPLE_KEY = "7f3e2c1a-9b8d-4f6e-a2c1-b3d4e5f6a7b8"
EXAMPLE = {"channel": "whatsapp", "to": "+15551234567", "template": "order_confirmation",
           "language": "en",
           "variables": {"name": "Nayeem", "order_id": "TR-204821", "eta": "15 minutes"}}
SMS = {"channel": "sms", "to": "+15551234567", "text": "Your code is 123456"}
MESSAGE_FIELDS = ["id", "object", "environment", "channel", "direction", "to", "from", "status",
                  "template", "language", "variables", "text", "subject", "html", "title",
                  "segments", "conversation_id", "contact_id", "cost_estimate", "cost",
                  "currency", "gateway", "provider_message_id", "retry_count", "last_error",
                  "fallback_of", "metadata",
                  "created_at", "updated_at"]


@pytest.fixture
def order_template(api):
    response = api.post("/templates", json=ORDER_TEMPLATE)
    assert response.status_code == 201
    return response.json


def _count(app, model, **filters) -> int:
    with app.app_context():
        statement = select(func.count()).select_from(model)
        for name, value in filters.items():
            statement = statement.where(getattr(model, name) == value)
        return db.session.scalar(statement)


def _send_queue_args(app) -> list[tuple]:
    with app.app_context():
        connection = redis_connection.client
        queue = Queue("send", connection=connection)
        jobs = [Job.fetch(job_id, connection=connection) for job_id in queue.job_ids]
        return [(job.func_name, job.args) for job in jobs]


def _balance(client: ApiClient) -> str:
    return client.get("/balance").json["available"]


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


def test_an_accepted_send_is_enqueued_on_the_send_queue_with_its_id(app, api):
    message_id = api.post("/messages", json=SMS).json["id"]
    assert _send_queue_args(app) == [("jobs.send.send_message", (message_id,))]


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


def test_from_is_kept_on_the_message(api):
    response = api.post("/messages", json={**SMS, "from": "ACME"})
    assert response.status_code == 202 and response.json["from"] == "ACME"


# --- Validation ---------------------------------------------------------------------------------

def _refused(api, payload, status=422):
    response = api.post("/messages", json=payload)
    assert response.status_code == status, response.json
    assert response.mimetype == "application/problem+json"
    return response.json


def test_an_unknown_field_is_refused(api):
    body = _refused(api, {**SMS, "priority": "high"})
    assert (body["code"], body["param"]) == ("unknown_field", "priority")


def test_from_underscore_is_not_an_alias_of_from(api):
    body = _refused(api, {**SMS, "from_": "ACME"})
    assert (body["code"], body["param"]) == ("unknown_field", "from_")


def test_channel_and_to_are_required(api):
    body = _refused(api, {"text": "Hi"})
    assert body["code"] == "missing_field"
    assert {e["param"] for e in body["errors"]} == {"channel", "to"}


def test_an_unknown_channel_is_named(api):
    body = _refused(api, {**SMS, "channel": "pager"})
    assert (body["code"], body["param"]) == ("unknown_channel", "channel")


@pytest.mark.parametrize(("payload", "param", "code"), [
    ({"channel": "sms", "to": "+15551234567"}, "text", "missing_field"),
    ({"channel": "rcs", "to": "+15551234567"}, "text", "missing_field"),
    ({"channel": "whatsapp", "to": "+15551234567"}, "template", "missing_field"),
    ({"channel": "whatsapp", "to": "+15551234567", "template": "order_confirmation"},
     "language", "missing_field"),
    ({"channel": "whatsapp", "to": "+15551234567", "template": "order_confirmation",
      "language": "en", "text": "Hi"}, "text", "invalid_field"),
    ({"channel": "email", "to": "ann@example.com", "text": "Hi"}, "subject", "missing_field"),
    ({"channel": "email", "to": "ann@example.com", "subject": "Hi"}, "text", "missing_field"),
    ({"channel": "push", "to": "fcm-token_" + "a" * 40, "text": "Hi"}, "title",
     "missing_field"),
    ({"channel": "push", "to": "fcm-token_" + "a" * 40, "title": "Hi"}, "text",
     "missing_field"),
    ({"channel": "messenger", "to": "6789012345"}, "text", "missing_field"),
    ({"channel": "instagram", "to": "178414"}, "text", "missing_field"),
    ({"channel": "telegram", "to": 42}, "text", "missing_field"),
    ({"channel": "viber", "to": "abc"}, "text", "missing_field"),
    ({"channel": "line", "to": "U4af"}, "text", "missing_field"),
    ({"channel": "webchat", "to": "visitor_42"}, "text", "missing_field"),
    ({"channel": "sms", "to": "+15551234567", "text": "Hi", "subject": "x"}, "subject",
     "invalid_field"),
    ({"channel": "sms", "to": "+15551234567", "text": "Hi", "template": "x"}, "template",
     "invalid_field"),
    ({"channel": "sms", "to": "+15551234567", "text": "x" * 1601}, "text", "text_too_long"),
    ({"channel": "sms", "to": "+15551234567", "text": "Hi", "variables": {"a": 1}},
     "variables.a", "invalid_field"),
    ({"channel": "sms", "to": "+15551234567", "text": "Hi", "metadata": {"k": {"x": 1}}},
     "metadata.k", "invalid_field"),
])
def test_each_channels_rules_are_enforced(api, payload, param, code):
    body = _refused(api, payload)
    assert any((e["param"], e["code"]) == (param, code) for e in body["errors"]), body


@pytest.mark.parametrize(("payload", "code"), [
    ({**SMS, "to": "15551234567"}, "invalid_phone_number"),
    ({**SMS, "to": "+1555"}, "invalid_phone_number"),
    ({**SMS, "to": "+1 555 CALL NOW"}, "invalid_phone_number"),
    ({**EXAMPLE, "to": "+999123"}, "invalid_phone_number"),
    ({"channel": "email", "to": "not-an-address", "subject": "Hi", "text": "Hi"},
     "invalid_email_address"),
    ({"channel": "email", "to": "ann@", "subject": "Hi", "text": "Hi"},
     "invalid_email_address"),
    ({"channel": "webchat", "to": "has space", "text": "Hi"}, "invalid_address"),
    ({"channel": "telegram", "to": "not a chat", "text": "Hi"}, "invalid_address"),
])
def test_bad_addresses_are_refused_with_their_own_code(api, payload, code):
    body = _refused(api, payload)
    assert (body["code"], body["param"]) == (code, "to")


def test_all_problems_are_reported_at_once(api):
    body = _refused(api, {"channel": "email", "to": "nope"})
    assert {(e["param"], e["code"]) for e in body["errors"]} == {
        ("to", "invalid_email_address"), ("subject", "missing_field"), ("text", "missing_field")}


def test_a_template_that_does_not_exist_is_refused(api, order_template):
    body = _refused(api, {**EXAMPLE, "template": "shipping_update"})
    assert (body["code"], body["param"]) == ("template_not_found", "template")
    assert "shipping_update" in body["detail"]


def test_a_template_in_another_language_is_not_found(api, order_template):
    body = _refused(api, {**EXAMPLE, "language": "fr"})
    assert body["code"] == "template_not_found"


def test_a_template_language_is_matched_however_it_is_spelled(api):
    api.post("/templates", json={**ORDER_TEMPLATE, "language": "en_US"})
    response = api.post("/messages", json={**EXAMPLE, "language": "en-us"})
    assert response.status_code == 202 and response.json["language"] == "en_US"


def test_missing_template_variables_are_named(api, order_template):
    body = _refused(api, {**EXAMPLE, "variables": {"name": "Nayeem"}})
    assert (body["code"], body["param"]) == ("missing_template_variables", "variables.order_id")
    assert [(e["param"], e["code"]) for e in body["errors"]] == [
        ("variables.order_id", "missing_template_variables"),
        ("variables.eta", "missing_template_variables")]


def test_omitting_variables_of_a_template_that_has_some_is_refused(api, order_template):
    payload = {key: value for key, value in EXAMPLE.items() if key != "variables"}
    body = _refused(api, payload)
    assert body["code"] == "missing_template_variables"
    assert len(body["errors"]) == 3


def test_unknown_template_variables_are_named(api, order_template):
    body = _refused(api, {**EXAMPLE, "variables": {**EXAMPLE["variables"], "coupon": "X1"}})
    assert (body["code"], body["param"]) == ("unknown_template_variables", "variables.coupon")
    assert len(body["errors"]) == 1


def test_missing_and_unknown_variables_are_reported_together(api, order_template):
    body = _refused(api, {**EXAMPLE, "variables": {"name": "N", "order_id": "1", "etA": "x"}})
    assert [(e["param"], e["code"]) for e in body["errors"]] == [
        ("variables.eta", "missing_template_variables"),
        ("variables.etA", "unknown_template_variables")]


def test_a_refused_send_writes_nothing_and_enqueues_nothing(app, api, order_template):
    _refused(api, {**EXAMPLE, "variables": {}})
    _refused(api, {**SMS, "to": "nope"})
    assert _count(app, Message) == 0 and _count(app, Contact) == 0
    assert _count(app, WalletTransaction, type="debit") == 0
    assert _send_queue_args(app) == []


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


# --- Get and list ---------------------------------------------------------------------------------

def test_get_an_unknown_message_is_404(api):
    response = api.get("/messages/msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C")
    assert response.status_code == 404 and response.json["code"] == "not_found"
    assert api.get("/messages/not-an-id").status_code == 404


def test_other_partners_and_environments_get_404_and_empty_lists(api, tenant, other_tenant):
    message = api.post("/messages", json=SMS).json
    for client in (other_tenant.live, other_tenant.sandbox, tenant.sandbox):
        response = client.get(f"/messages/{message['id']}")
        assert response.status_code == 404 and response.json["code"] == "not_found"
        assert client.get("/messages").json["data"] == []
        assert client.get(f"/messages?contact_id={message['contact_id']}").json["data"] == []
    assert api.get(f"/messages/{message['id']}").status_code == 200


def test_list_is_newest_first_and_pages_with_a_cursor(api):
    ids = [api.post("/messages", json={**SMS, "text": f"n{i}"}).json["id"] for i in range(5)]
    page = api.get("/messages?limit=2").json
    assert page["object"] == "list" and page["has_more"] is True and len(page["data"]) == 2
    seen = [m["id"] for m in page["data"]]
    while page["next_cursor"]:
        page = api.get(f"/messages?limit=2&cursor={page['next_cursor']}").json
        seen += [m["id"] for m in page["data"]]
    assert seen == sorted(ids, reverse=True)
    assert page["has_more"] is False


def test_list_filters_by_channel_contact_conversation_status_and_direction(app, api):
    a = api.post("/messages", json=SMS).json
    b = api.post("/messages", json={**SMS, "to": "+15557654321"}).json
    c = api.post("/messages", json={"channel": "webchat", "to": "visitor_1", "text": "Hi"}).json

    def ids(query):
        response = api.get("/messages?" + query)
        assert response.status_code == 200, response.json
        return {m["id"] for m in response.json["data"]}

    assert ids("channel=sms") == {a["id"], b["id"]}
    assert ids(f"contact_id={b['contact_id']}") == {b["id"]}
    assert ids(f"conversation_id={c['conversation_id']}") == {c["id"]}
    assert ids("direction=outbound") == {a["id"], b["id"], c["id"]}
    assert ids("direction=inbound") == set()
    assert ids("status=queued&channel=webchat") == {c["id"]}
    with app.app_context():
        db.session.execute(update(Message).where(Message.id == a["id"]).values(status="sent"))
        db.session.commit()
    assert ids("status=sent") == {a["id"]}
    assert ids("status=queued") == {b["id"], c["id"]}


def test_list_filters_by_creation_time(app, api):
    old = api.post("/messages", json=SMS).json
    new = api.post("/messages", json=SMS).json
    moved = datetime(2026, 1, 2, 3, 4, 5, 600_000, tzinfo=UTC)
    with app.app_context():
        db.session.execute(update(Message).where(Message.id == old["id"])
                           .values(created_at=moved))
        db.session.commit()
    assert api.get(f"/messages/{old['id']}").json["created_at"] == "2026-01-02T03:04:05Z"

    def ids(query):
        response = api.get("/messages?" + query)
        assert response.status_code == 200, response.json
        return {m["id"] for m in response.json["data"]}

    assert ids("created_lte=2026-01-02T03:04:05Z") == {old["id"]}  # the second shown counts
    assert ids("created_lte=2026-01-02T03:04:04Z") == set()
    assert ids("created_gte=2026-01-02T03:04:06Z") == {new["id"]}
    assert ids("created_gte=2026-01-02T03:04:05Z&created_lte=2026-01-03T00:00:00Z") == {
        old["id"]}
    later = (moved + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert ids(f"created_lte={later}%2B01:00") == {old["id"]}  # offsets are honoured


@pytest.mark.parametrize("query", [
    "created_gte=yesterday", "created_gte=2026-01-02", "created_lte=1767225600",
    "created_gte=2026-01-02T03:04:05", "status=lost", "channel=pager", "direction=sideways",
    "contact_id=con_nope", "limit=0", "cursor=bad!", "colour=blue",
])
def test_bad_list_parameters_are_400(api, query):
    response = api.get("/messages?" + query)
    assert response.status_code == 400
    assert response.json["code"] in ("invalid_parameter", "invalid_cursor")


# --- Idempotency --------------------------------------------------------------------------------

def test_a_retried_send_is_replayed_byte_for_byte_and_charged_once(app, api, order_template):
    first = api.post("/messages", json=EXAMPLE, idempotency_key=EXAMPLE_KEY)
    again = api.post("/messages", json=EXAMPLE, idempotency_key=EXAMPLE_KEY)
    assert first.status_code == again.status_code == 202
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count(app, Message) == 1
    assert _count(app, WalletTransaction, type="debit") == 1
    assert _balance(api) == "9.988000"
    assert len(_send_queue_args(app)) == 1


def test_the_same_key_with_another_body_is_refused(app, api, order_template):
    api.post("/messages", json=EXAMPLE, idempotency_key=EXAMPLE_KEY)
    other = {**EXAMPLE, "to": "+15557654321"}
    response = api.post("/messages", json=other, idempotency_key=EXAMPLE_KEY)
    assert response.status_code == 422 and response.json["code"] == "idempotency_key_reused"
    assert _count(app, Message) == 1


def test_a_failed_validation_stores_nothing_and_frees_the_key(app, api, order_template):
    bad = api.post("/messages", json={**EXAMPLE, "variables": {"name": "N"}},
                   idempotency_key=EXAMPLE_KEY)
    assert bad.status_code == 422 and bad.json["code"] == "missing_template_variables"
    good = api.post("/messages", json=EXAMPLE, idempotency_key=EXAMPLE_KEY)
    assert good.status_code == 202 and "Idempotent-Replayed" not in good.headers
    assert _count(app, Message) == 1


def test_a_402_with_a_key_can_be_retried_after_a_top_up(app):
    with app.app_context():
        poor = make_partner(name="Poor", balance="0.005")
    client = ApiClient(app.test_client(), poor.live_key)
    assert client.post("/messages", json=SMS, idempotency_key="retry-me").status_code == 402
    with app.app_context():
        from app.services import tx, wallet

        wallet.top_up(poor.partner.id, "live", 10_000)
        tx.commit()
    retried = client.post("/messages", json=SMS, idempotency_key="retry-me")
    assert retried.status_code == 202
    assert _balance(client) == "0.007100"
    with app.app_context():
        wallet_row = db.session.scalar(select(Wallet).where(
            Wallet.partner_id == poor.partner.id, Wallet.environment == "live"))
        assert wallet_row.balance_micros == 7_100


def test_metadata_is_stored_and_echoed(api):
    sent = api.post("/messages", json={**SMS, "metadata": {"order": "TR-204821", "attempt": 2}})
    assert sent.status_code == 202, sent.json
    assert sent.json["metadata"] == {"order": "TR-204821", "attempt": 2}
    assert api.get(f"/messages/{sent.json['id']}").json["metadata"] == {"order": "TR-204821",
                                                                        "attempt": 2}
    plain = api.post("/messages", json=SMS)
    assert plain.json["metadata"] == {}
