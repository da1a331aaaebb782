"""Every magic recipient of the sandbox, end to end: API → queue → real burst worker →
sandbox gateway → receipts and replies through the callback path → status, events, wallet.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import Contact, Event, Message, MessageEvent, WalletTransaction
from app.services.billing import wallet
from tests.helpers import gateway_config, outbound

SANDBOX_START = 100_000_000  # the tenant fixture's sandbox play money, in micros


def _send(tenant, **payload):
    response = tenant.sandbox.post("/messages", json=payload)
    assert response.status_code == 202, response.json
    return response.json


def _state(app, message_id):
    with app.app_context():
        message = db.session.get(Message, message_id)
        statuses = [e.status for e in db.session.scalars(
            select(MessageEvent).where(MessageEvent.message_id == message_id)
            .order_by(MessageEvent.sequence))]
        sequences = [e.sequence for e in db.session.scalars(
            select(MessageEvent).where(MessageEvent.message_id == message_id)
            .order_by(MessageEvent.sequence))]
        event_types = [e.type for e in db.session.scalars(
            select(Event).where(Event.object_id == message_id).order_by(Event.id))]
        balance = wallet.get_wallet(message.partner_id, "sandbox").balance_micros
        refunds = db.session.scalars(select(WalletTransaction).where(
            WalletTransaction.message_id == message_id,
            WalletTransaction.type == "refund")).all()
        debits = db.session.scalars(select(WalletTransaction).where(
            WalletTransaction.message_id == message_id,
            WalletTransaction.type == "debit")).all()
        failed_event = db.session.scalar(select(Event).where(
            Event.object_id == message_id, Event.type.in_(("message.failed",
                                                           "message.bounced"))))
        return {
            "status": message.status, "retry_count": message.retry_count,
            "last_error": message.last_error, "statuses": statuses, "sequences": sequences,
            "events": event_types, "balance": balance, "refunds": len(refunds),
            "debits": len(debits), "estimate": message.cost_estimate_micros,
            "failed_data": failed_event.data if failed_event else None,
            "cost": message.cost_micros,
        }


@pytest.mark.parametrize("to", ["+15005550006", "+15551230000"])
def test_delivered_recipient_is_sent_then_delivered_and_charged_once(app, tenant, drain, to):
    sent = _send(tenant, channel="sms", to=to, text="hello")
    drain()
    state = _state(app, sent["id"])
    assert state["statuses"] == ["queued", "sending", "sent", "delivered"]
    assert state["sequences"] == [1, 2, 3, 4]
    assert state["events"] == ["message.sent", "message.delivered"]
    assert state["debits"] == 1 and state["refunds"] == 0
    assert state["balance"] == SANDBOX_START - state["estimate"]
    assert state["cost"] == state["estimate"]  # the sandbox reports no price of its own


def test_delivered_email_address_is_delivered(app, tenant, drain):
    sent = _send(tenant, channel="email", to="delivered@sandbox.switchboard.example",
                 subject="Hi", text="Hello")
    drain()
    assert _state(app, sent["id"])["status"] == "delivered"


@pytest.mark.parametrize("payload", [
    {"channel": "sms", "to": "+15005550001", "text": "x"},
    {"channel": "email", "to": "invalid@sandbox.switchboard.example", "subject": "s",
     "text": "x"},
])
def test_invalid_recipient_fails_permanently_at_once_and_is_refunded(app, tenant, drain,
                                                                     payload):
    sent = _send(tenant, **payload)
    drain()
    state = _state(app, sent["id"])
    assert state["status"] == "failed" and state["retry_count"] == 0
    assert state["statuses"] == ["queued", "sending", "failed"]
    assert state["refunds"] == 1 and state["balance"] == SANDBOX_START
    assert state["cost"] == 0  # refunded: nothing was spent
    assert state["events"] == ["message.failed"]
    data = state["failed_data"]
    assert data["id"] == sent["id"] and data["status"] == "failed"
    assert "invalid address" in data["last_error"] and data["retry_count"] == 0
    assert data["refund"]["amount"] == "{:.6f}".format(state["estimate"] / 1e6)
    assert data["refund"]["currency"] == "USD"
    assert data["refund"]["transaction_id"].startswith("txn_")


def test_always_transient_recipient_spends_the_retry_budget_then_fails_refunded(
        app, tenant, drain):
    sent = _send(tenant, channel="sms", to="+15005550002", text="x")
    drain()
    state = _state(app, sent["id"])
    assert state["status"] == "failed"
    assert state["retry_count"] == 4  # five attempts: the sms budget
    assert state["statuses"] == ["queued", "sending", "failed"]
    assert state["refunds"] == 1 and state["debits"] == 1
    assert state["balance"] == SANDBOX_START
    assert state["failed_data"]["retry_count"] == 4
    assert "temporarily unavailable" in state["failed_data"]["last_error"]


def test_transient_once_recipient_is_retried_then_delivered(app, tenant, drain):
    sent = _send(tenant, channel="sms", to="+15005550003", text="x")
    drain()
    state = _state(app, sent["id"])
    assert state["status"] == "delivered" and state["retry_count"] == 1
    assert state["statuses"] == ["queued", "sending", "sent", "delivered"]
    assert state["balance"] == SANDBOX_START - state["estimate"] and state["refunds"] == 0


def test_no_receipt_recipient_stays_sent(app, tenant, drain):
    sent = _send(tenant, channel="sms", to="+15005550004", text="x")
    drain()
    state = _state(app, sent["id"])
    assert state["status"] == "sent" and state["events"] == ["message.sent"]


def test_bounce_address_bounces_permanently_with_refund(app, tenant, drain):
    sent = _send(tenant, channel="email", to="bounce@sandbox.switchboard.example",
                 subject="s", text="x")
    drain()
    state = _state(app, sent["id"])
    assert state["status"] == "bounced"
    assert state["statuses"] == ["queued", "sending", "sent", "bounced"]
    assert state["events"] == ["message.sent", "message.bounced"]
    assert state["refunds"] == 1 and state["balance"] == SANDBOX_START
    assert state["failed_data"]["refund"]["transaction_id"].startswith("txn_")


def test_soft_bounces_feed_the_retry_budget_until_failed(app, tenant, drain):
    sent = _send(tenant, channel="email", to="softbounce@sandbox.switchboard.example",
                 subject="s", text="x")
    drain()
    state = _state(app, sent["id"])
    assert state["status"] == "failed" and state["retry_count"] == 4
    assert "mailbox full" in state["last_error"]
    assert state["refunds"] == 1 and state["balance"] == SANDBOX_START
    assert state["events"] == ["message.sent", "message.failed"]


@pytest.mark.parametrize("payload", [
    {"channel": "sms", "to": "+15005550009", "text": "Your order shipped"},
    {"channel": "email", "to": "reply@sandbox.switchboard.example", "subject": "s",
     "text": "Your order shipped"},
])
def test_reply_recipient_is_delivered_then_replies_into_the_same_conversation(
        app, tenant, drain, payload):
    sent = _send(tenant, **payload)
    drain()
    assert _state(app, sent["id"])["status"] == "delivered"
    with app.app_context():
        inbound = db.session.scalar(select(Message).where(
            Message.direction == "inbound", Message.partner_id == tenant.partner_id))
        assert inbound is not None and inbound.environment == "sandbox"
        assert inbound.conversation_id == sent["conversation_id"]
        assert inbound.contact_id == sent["contact_id"]
        assert "automatic reply" in inbound.text
        identified = db.session.scalar(select(Event).where(Event.type == "contact.identified"))
        assert identified.data["id"] == sent["contact_id"]
        assert identified.data["message_id"] == inbound.id
        received = db.session.scalar(select(Event).where(Event.type == "message.received"))
        assert received.data["id"] == inbound.id and received.data["direction"] == "inbound"
        assert db.session.query(Contact).filter_by(partner_id=tenant.partner_id).count() == 1


def test_rcs_to_a_non_rcs_number_falls_back_to_one_sms(app, tenant, drain):
    sent = _send(tenant, channel="rcs", to="+15005550005", text="Your order shipped")
    drain()
    with app.app_context():
        original = db.session.get(Message, sent["id"])
        fallback = db.session.scalar(select(Message).where(Message.fallback_of_id == sent["id"]))
        assert original.status == "failed" and "RCS" in original.last_error
        assert fallback.channel == "sms" and fallback.status == "delivered"
        assert fallback.text == "Your order shipped"
    shown = tenant.sandbox.get(f"/messages/{fallback.id}").json
    assert shown["fallback_of"] == sent["id"] and shown["channel"] == "sms"
    with app.app_context():
        balance = wallet.get_wallet(tenant.partner_id, "sandbox").balance_micros
        assert balance == SANDBOX_START - fallback.cost_estimate_micros
        refunds = db.session.scalars(select(WalletTransaction).where(
            WalletTransaction.message_id == sent["id"],
            WalletTransaction.type == "refund")).all()
        assert len(refunds) == 1


def test_the_sandbox_adapter_opens_no_socket(monkeypatch):
    """Every scripted outcome is decided in-process: any socket use would raise here."""
    import socket

    from app.channels.gateways.sandbox import SandboxAdapter

    def refuse(*_args, **_kwargs):
        raise AssertionError("the sandbox tried to open a socket")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    adapter = SandboxAdapter(receipt_delay=0)
    gateway = gateway_config("sandbox", channel="sms", environment="sandbox", gateway_id="gw_x")
    outcomes = set()
    for to in ("+15005550006", "+15005550001", "+15005550002", "+15005550003",
               "+15005550004", "+15005550009", "bounce@sandbox.switchboard.example",
               "softbounce@sandbox.switchboard.example"):
        result = adapter.send(outbound("sms", to, text="x"), gateway)
        outcomes.add(result.failure or "accepted")
    assert outcomes == {"accepted", "permanent", "transient"}


def test_rcs_fallback_that_sms_cannot_carry_leaves_the_rcs_failure_refunded(app, tenant,
                                                                           drain):
    long_text = "x" * 2000  # fine for RCS (3072), too long for SMS (1600)
    sent = _send(tenant, channel="rcs", to="+15005550005", text=long_text)
    drain()
    with app.app_context():
        original = db.session.get(Message, sent["id"])
        assert original.status == "failed"
        assert "SMS fallback refused: text_too_long" in original.last_error
        assert db.session.scalar(select(Message).where(
            Message.fallback_of_id == sent["id"])) is None
        assert wallet.get_wallet(tenant.partner_id, "sandbox").balance_micros == SANDBOX_START
