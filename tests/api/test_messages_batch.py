"""`POST /messages/batch`: each message checked and charged as if sent alone, one 207 result."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import (
    Contact,
    Conversation,
    IdempotencyRecord,
    Message,
    MessageEvent,
    WalletTransaction,
)
from tests.api._messages import EXAMPLE, ORDER_TEMPLATE, SMS, _balance, _count, _send_queue_args
from tests.factories import ApiClient, make_partner

BAD_NUMBER = {"channel": "sms", "to": "12345", "text": "Hello"}
WEBCHAT = {"channel": "webchat", "to": "visitor_1", "text": "Hi"}  # 0.0005


def _batch(client: ApiClient, items: list, key: str | None = None):
    return client.post("/messages/batch", json={"messages": items}, idempotency_key=key)


def _sms_to(n: int) -> dict:
    return {"channel": "sms", "to": f"+1555{n:07d}", "text": f"Message {n}"}


# --- Each message on its own ---------------------------------------------------------------

def test_valid_and_invalid_messages_get_their_own_results_in_order(app, api, order_template):
    response = _batch(api, [SMS, BAD_NUMBER, EXAMPLE, {**SMS, "colour": "red"}, "not an object",
                            {**EXAMPLE, "variables": {"name": "N"}}])
    assert response.status_code == 207, response.json
    body = response.json
    assert (body["object"], body["accepted"], body["refused"]) == ("batch", 2, 4)
    assert [item["index"] for item in body["data"]] == [0, 1, 2, 3, 4, 5]
    assert [item["status"] for item in body["data"]] == [202, 422, 202, 422, 422, 422]
    accepted = [body["data"][0]["message"], body["data"][2]["message"]]
    assert [m["channel"] for m in accepted] == ["sms", "whatsapp"]
    assert all(m["status"] == "queued" and m["object"] == "message" for m in accepted)
    errors = [body["data"][i]["error"] for i in (1, 3, 4, 5)]
    assert [(e["code"], e["param"]) for e in errors] == [
        ("invalid_phone_number", "to"), ("unknown_field", "colour"), ("invalid_field", None),
        ("missing_template_variables", "variables.order_id")]
    assert errors[0]["type"].endswith("/errors/invalid-phone-number")
    assert errors[0]["request_id"] == response.headers["Request-Id"]
    assert "message" not in body["data"][1] and "error" not in body["data"][0]
    # Only the accepted ones are written, charged and queued (one job sends them all).
    assert _count(app, Message) == 2 and _count(app, MessageEvent) == 2
    assert _count(app, WalletTransaction, type="debit") == 2
    assert _balance(api) == "9.980100"  # 10 - 0.0079 - 0.012
    assert _send_queue_args(app) == [("jobs.send.send_queued", ())]
    for message in accepted:
        assert api.get(f"/messages/{message['id']}").json == message


def test_an_accepted_message_is_the_same_object_a_single_send_answers(api):
    single = api.post("/messages", json=SMS).json
    batched = _batch(api, [SMS]).json["data"][0]["message"]
    differing = {k for k in single if single[k] != batched[k]}
    assert differing <= {"id", "created_at", "updated_at"}


def test_a_thousand_messages_are_accepted_charged_once_each_and_queued(app, tenant):
    client = tenant.sandbox
    items = [_sms_to(n) for n in range(1000)]
    response = _batch(client, items)
    assert response.status_code == 207
    body = response.json
    assert (body["accepted"], body["refused"]) == (1000, 0)
    assert [item["message"]["to"] for item in body["data"]] == [i["to"] for i in items]
    with app.app_context():
        partner_id = db.session.scalar(select(Message.partner_id).limit(1))
    for model in (Message, MessageEvent, Contact, Conversation):
        assert _count(app, model, partner_id=partner_id, environment="sandbox") == 1000
    assert _count(app, WalletTransaction, type="debit") == 1000
    assert _balance(client) == "92.100000"  # 100 - 1000 × 0.0079
    with app.app_context():
        afters = sorted(db.session.scalars(select(WalletTransaction.balance_after_micros)
                                           .where(WalletTransaction.type == "debit")),
                        reverse=True)
    assert afters == [100_000_000 - 7_900 * n for n in range(1, 1001)]
    assert len(_send_queue_args(app)) == 1  # one job sends the thousand, a batch at a time


def test_a_batch_larger_than_other_bodies_is_read(api):
    long_text = "x" * 1500  # 1,000 of them: about 1.6 MB, over the 1 MiB of other calls
    items = [{**WEBCHAT, "to": f"visitor_{n}", "text": long_text} for n in range(1000)]
    response = _batch(api, items)
    assert response.status_code == 207 and response.json["accepted"] == 1000
    single = api.post("/messages", json={**WEBCHAT, "text": "x" * (1024 * 1024)})
    assert single.status_code == 413 and single.json["code"] == "payload_too_large"


def test_one_recipient_many_times_is_one_contact_and_one_conversation(app, api):
    body = _batch(api, [SMS, {**SMS, "to": "+1 555 123 4567"}, SMS]).json
    messages = [item["message"] for item in body["data"]]
    assert len({m["contact_id"] for m in messages}) == 1
    assert len({m["conversation_id"] for m in messages}) == 1
    assert _count(app, Contact) == 1 and _count(app, Conversation) == 1


def test_known_recipients_keep_their_contact_and_open_conversation(app, api):
    known = api.post("/messages", json=SMS).json
    body = _batch(api, [_sms_to(1), SMS]).json
    assert body["data"][1]["message"]["contact_id"] == known["contact_id"]
    assert body["data"][1]["message"]["conversation_id"] == known["conversation_id"]
    assert body["data"][0]["message"]["contact_id"] != known["contact_id"]
    with app.app_context():
        conversation = db.session.get(Conversation, known["conversation_id"])
        assert conversation.last_message_at == db.session.get(
            Message, body["data"][1]["message"]["id"]).created_at


# --- The batch as a whole --------------------------------------------------------------------

def test_an_empty_or_oversized_batch_is_refused_and_writes_nothing(app, api):
    for items in ([], [SMS] * 1001):
        response = _batch(api, items)
        assert response.status_code == 422
        assert (response.json["code"], response.json["param"]) == ("invalid_batch_size",
                                                                   "messages")
    missing = api.post("/messages/batch", json={})
    assert (missing.status_code, missing.json["code"]) == (422, "missing_field")
    not_a_list = api.post("/messages/batch", json={"messages": SMS})
    assert (not_a_list.status_code, not_a_list.json["code"]) == (422, "invalid_field")
    assert _count(app, Message) == 0 and _balance(api) == "10.000000"


def test_a_batch_with_nothing_accepted_is_refused_whole_and_frees_its_key(app, api):
    response = _batch(api, [BAD_NUMBER, {**SMS, "text": None}], key="batch-1")
    assert response.status_code == 422
    body = response.json
    assert (body["code"], body["param"]) == ("invalid_phone_number", "messages.0.to")
    assert [(e["param"], e["code"]) for e in body["errors"]] == [
        ("messages.0.to", "invalid_phone_number"), ("messages.1.text", "missing_field")]
    assert _count(app, IdempotencyRecord) == 0
    fixed = _batch(api, [SMS], key="batch-1")
    assert fixed.status_code == 207 and "Idempotent-Replayed" not in fixed.headers


def test_a_replay_answers_the_stored_result_byte_for_byte(app, api):
    first = _batch(api, [SMS, BAD_NUMBER], key="spring-sale")
    again = _batch(api, [SMS, BAD_NUMBER], key="spring-sale")
    assert first.status_code == again.status_code == 207
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert _count(app, Message) == 1 and _count(app, WalletTransaction, type="debit") == 1
    assert len(_send_queue_args(app)) == 1


def test_the_same_key_with_another_batch_is_refused(app, api):
    _batch(api, [SMS], key="spring-sale")
    response = _batch(api, [SMS, SMS], key="spring-sale")
    assert (response.status_code, response.json["code"]) == (422, "idempotency_key_reused")
    assert _count(app, Message) == 1


# --- Money -----------------------------------------------------------------------------------

def test_messages_the_balance_cannot_pay_are_refused_and_the_rest_sent(app):
    with app.app_context():
        poor = make_partner(name="Poor", balance="0.0170")  # two SMS and a bit
    client = ApiClient(app.test_client(), poor.live_key)
    response = _batch(client, [SMS, SMS, SMS, WEBCHAT, SMS])
    assert response.status_code == 207
    body = response.json
    assert [item["status"] for item in body["data"]] == [202, 202, 402, 202, 402]
    assert (body["accepted"], body["refused"]) == (3, 2)
    short = body["data"][2]["error"]
    assert short["code"] == "insufficient_funds"
    assert short["detail"] == "Balance 0.0012 USD is below the estimate 0.0079 USD."
    assert body["data"][4]["error"]["detail"] == ("Balance 0.0007 USD is below the estimate "
                                                  "0.0079 USD.")
    assert _balance(client) == "0.000700"
    with app.app_context():
        ledger = db.session.execute(select(
            WalletTransaction.amount_micros, WalletTransaction.balance_after_micros,
            WalletTransaction.message_id).where(
            WalletTransaction.partner_id == poor.partner.id,
            WalletTransaction.type == "debit").order_by(
            WalletTransaction.balance_after_micros.desc())).all()
    assert [(a, b) for a, b, _ in ledger] == [(-7_900, 9_100), (-7_900, 1_200), (-500, 700)]
    assert [m for _, _, m in ledger] == [body["data"][i]["message"]["id"] for i in (0, 1, 3)]
    # The refused recipients got no contact: only the SMS number and the webchat visitor.
    assert _count(app, Contact, partner_id=poor.partner.id) == 2


def test_a_batch_nobody_can_pay_for_is_402_and_can_be_retried_after_a_top_up(app):
    with app.app_context():
        poor = make_partner(name="Poor", balance="0.001")
    client = ApiClient(app.test_client(), poor.live_key)
    response = _batch(client, [SMS, SMS], key="retry-me")
    assert (response.status_code, response.json["code"]) == (402, "insufficient_funds")
    assert [e["param"] for e in response.json["errors"]] == ["messages.0", "messages.1"]
    assert _count(app, Contact, partner_id=poor.partner.id) == 0
    with app.app_context():
        from app.services import tx
        from app.services.billing import wallet

        wallet.top_up(poor.partner.id, "live", 100_000)
        tx.commit()
    assert _batch(client, [SMS, SMS], key="retry-me").status_code == 207


# --- Tenancy ---------------------------------------------------------------------------------

def test_a_sandbox_batch_lands_in_the_sandbox_only(app, tenant, other_tenant):
    body = _batch(tenant.sandbox, [SMS, WEBCHAT]).json
    assert {item["message"]["environment"] for item in body["data"]} == {"sandbox"}
    assert _balance(tenant.sandbox) == "99.991600"
    assert _balance(tenant.live) == "10.000000"
    assert tenant.live.get("/messages").json["data"] == []
    assert other_tenant.sandbox.get("/messages").json["data"] == []
    message_id = body["data"][0]["message"]["id"]
    assert tenant.live.get(f"/messages/{message_id}").status_code == 404
    with app.app_context():
        environments = set(db.session.scalars(select(Contact.environment))) | set(
            db.session.scalars(select(Conversation.environment)))
        assert environments == {"sandbox"}


def test_templates_are_looked_up_in_the_callers_environment(tenant):
    assert tenant.live.post("/templates", json=ORDER_TEMPLATE).status_code == 201
    response = _batch(tenant.sandbox, [EXAMPLE, SMS])
    assert [item["status"] for item in response.json["data"]] == [422, 202]
    assert response.json["data"][0]["error"]["code"] == "template_not_found"


def test_the_number_of_statements_does_not_grow_with_the_batch(app, api):
    from sqlalchemy import event

    statements = []

    def count(*_args):
        statements.append(1)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        ten = _batch(api, [_sms_to(n) for n in range(10)])
        ten_count = len(statements)
        statements.clear()
        hundred = _batch(api, [_sms_to(n) for n in range(10, 110)])
        hundred_count = len(statements)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert ten.status_code == hundred.status_code == 207
    assert hundred_count <= ten_count + 2, (ten_count, hundred_count)
    with app.app_context():
        assert db.session.scalar(select(func.count(Message.id))) == 110


def test_a_batch_the_balance_covers_in_part_is_decided_on_the_locked_wallet(app):
    """The debit for all of them is refused, the wallet is locked and read, and the messages
    it does not pay for are refused without leaving the contacts created for them."""
    with app.app_context():
        poor = make_partner(name="Poor", balance="0.0170")
    client = ApiClient(app.test_client(), poor.live_key)
    response = _batch(client, [_sms_to(n) for n in range(4)])
    assert [item["status"] for item in response.json["data"]] == [202, 202, 402, 402]
    assert response.json["data"][2]["error"]["detail"] == (
        "Balance 0.0012 USD is below the estimate 0.0079 USD.")
    assert _balance(client) == "0.001200"
    assert _count(app, Contact, partner_id=poor.partner.id) == 2
    assert _count(app, Conversation, partner_id=poor.partner.id) == 2
