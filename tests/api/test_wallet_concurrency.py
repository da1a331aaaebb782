"""Concurrent sends against a wallet funded for fewer messages: never negative, never double.

Each thread has its own application context, test client and so its own database session and
connection, like gunicorn's threads or processes would.
"""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.extensions import db
from app.models import Contact, Conversation, Message, Wallet, WalletTransaction
from tests.factories import ApiClient, make_partner

SMS = {"channel": "sms", "to": "+15551234567", "text": "Your code is 123456"}
PRICE = 7_900  # micros: one SMS segment to +1


def _is_postgres(app) -> bool:
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


def _send_concurrently(app, key: str, count: int) -> list[int]:
    """Fire `count` sends at once from `count` threads; return their status codes."""
    barrier = threading.Barrier(count)
    results: list[object] = [None] * count

    def worker(index: int) -> None:
        try:
            with app.app_context():
                client = ApiClient(app.test_client(), key)
                barrier.wait(timeout=30)
                response = client.post("/messages", json=SMS)
                results[index] = response.status_code
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[index] = exc

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(isinstance(status, int) for status in results), results
    return results  # type: ignore[return-value]


def _check(app, partner_id: str, statuses: list[int], affordable: int, remainder: int) -> None:
    assert statuses.count(202) == affordable
    assert statuses.count(402) == len(statuses) - affordable
    with app.app_context():
        balance = db.session.scalar(select(Wallet.balance_micros).where(
            Wallet.partner_id == partner_id, Wallet.environment == "live"))
        debits = db.session.scalars(select(WalletTransaction).where(
            WalletTransaction.partner_id == partner_id, WalletTransaction.type == "debit")).all()

        def count(model):
            return db.session.scalar(select(func.count()).select_from(model)
                                     .where(model.partner_id == partner_id))

        messages, contacts, conversations = count(Message), count(Contact), count(Conversation)
    assert balance == remainder >= 0
    assert len(debits) == affordable == messages
    assert sorted(d.balance_after_micros for d in debits) == [
        remainder + PRICE * i for i in range(affordable)]
    assert {d.message_id for d in debits} == set(_message_ids(app, partner_id))
    # Every send went to one new address: one contact and one conversation, whoever won.
    assert (contacts, conversations) == (1, 1)


def _message_ids(app, partner_id: str) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Message.id).where(
            Message.partner_id == partner_id)))


def _funded_partner(app, affordable: int, remainder: int):
    with app.app_context():
        balance = f"{(PRICE * affordable + remainder) / 1_000_000:.6f}"
        return make_partner(name="Concurrent", balance=balance)


@pytest.mark.parametrize("remainder", [0, 5_000], ids=["exact", "with-remainder"])
def test_twenty_concurrent_sends_never_overdraw_the_wallet(app, remainder):
    if not _is_postgres(app):
        pytest.skip("needs PostgreSQL: SQLite runs one writer at a time (BEGIN IMMEDIATE), so "
                    "it cannot show row-level races; see the SQLite variant below")
    affordable = 7
    partner = _funded_partner(app, affordable, remainder)
    statuses = _send_concurrently(app, partner.live_key, 20)
    _check(app, partner.partner.id, statuses, affordable, remainder)


def test_concurrent_sends_on_the_embedded_database_never_overdraw_the_wallet(app):
    affordable = 3
    partner = _funded_partner(app, affordable, 1_000)
    statuses = _send_concurrently(app, partner.live_key, 6)
    _check(app, partner.partner.id, statuses, affordable, 1_000)
