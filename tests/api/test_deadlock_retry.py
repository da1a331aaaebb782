"""A write the database aborts to break a deadlock is run again, never answered 500.

PostgreSQL breaks a deadlock by aborting one of its transactions, and advises running that
transaction again. Here a real deadlock is made: another transaction holds the partner's
wallet while a send holds its contact and waits for the wallet, then asks for the contact.
The send's connection finds the cycle first (the other one waits ten seconds before it looks)
and is aborted; the pipeline runs it again once the other transaction is done.
"""

from __future__ import annotations

import threading
import time

import pytest
from sqlalchemy import func, select, text

from app.extensions import db
from app.models import ContactIdentity, Message, WalletTransaction

SMS = {"channel": "sms", "to": "+15551234567", "text": "Your code is 123456"}


def _waiting_on_a_lock(app) -> bool:
    with app.app_context(), db.engine.connect() as conn:
        return bool(conn.scalar(text(
            "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
            "AND query LIKE 'UPDATE wallets%'")))


def test_a_send_aborted_for_a_deadlock_is_run_again(app, tenant):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time, so it never deadlocks")
    assert tenant.live.post("/messages", json=SMS).status_code == 202  # the contact exists
    with app.app_context():
        contact_id = db.session.scalar(select(ContactIdentity.contact_id).where(
            ContactIdentity.partner_id == tenant.partner_id))
        db.session.remove()
        other = db.engine.connect()
    answer: list = []
    try:
        other.execute(text("SET deadlock_timeout = '10s'"))  # the send finds the cycle first
        other.commit()
        other.execute(text("UPDATE wallets SET updated_at = updated_at WHERE partner_id = :p "
                           "AND environment = 'live'"), {"p": tenant.partner_id})
        send = threading.Thread(target=lambda: answer.append(
            tenant.live.post("/messages", json=SMS)))
        send.start()
        deadline = time.monotonic() + 30
        while not _waiting_on_a_lock(app):  # the send holds the contact, waits for the wallet
            assert time.monotonic() < deadline, "the send never waited for the wallet"
            time.sleep(0.05)
        other.execute(text("SELECT id FROM contacts WHERE id = :c FOR UPDATE"),
                      {"c": contact_id})  # returns once PostgreSQL aborted the send
        other.commit()
        send.join(60)
    finally:
        other.close()
    [response] = answer
    assert response.status_code == 202, response.json
    with app.app_context():
        messages = db.session.scalar(select(func.count(Message.id)).where(
            Message.partner_id == tenant.partner_id, Message.environment == "live"))
        debits = db.session.scalar(select(func.count(WalletTransaction.id)).where(
            WalletTransaction.partner_id == tenant.partner_id,
            WalletTransaction.type == "debit"))
    assert messages == debits == 2
