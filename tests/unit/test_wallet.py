"""Wallets: integer micro-units, a ledger row per change, never below zero, append-only."""

from __future__ import annotations

import pytest

from app import money
from app.extensions import db
from app.models import WalletTransaction
from app.services.billing import wallet
from tests.factories import make_partner


def test_money_round_trips_without_floats():
    assert money.to_micros("12.34") == 12_340_000
    assert money.format_amount(12_340_000) == "12.340000"
    assert money.format_amount(-12_000) == "-0.012000"
    assert money.format_price(12_000) == "0.012"
    assert money.format_price(5_000_000) == "5.000"
    assert money.format_price(1_234) == "0.001234"
    with pytest.raises(money.InvalidAmount):
        money.to_micros("0.0000001")
    with pytest.raises(money.InvalidAmount):
        money.to_micros("NaN")


def test_opening_balances_are_ledger_entries(app_ctx):
    p = make_partner(balance="10", sandbox_balance="100")
    live = wallet.get_wallet(p.partner.id, "live")
    sandbox = wallet.get_wallet(p.partner.id, "sandbox")
    assert (live.balance_micros, sandbox.balance_micros) == (10_000_000, 100_000_000)
    entries = db.session.query(WalletTransaction).filter_by(partner_id=p.partner.id).all()
    assert sorted((e.environment, e.type, e.amount_micros) for e in entries) == [
        ("live", "topup", 10_000_000), ("sandbox", "topup", 100_000_000)]


def test_debit_and_refund_move_the_balance_and_record_balance_after(app_ctx):
    p = make_partner(balance="1")
    entry = wallet.debit(p.partner.id, "live", 12_000, "msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C")
    assert (entry.amount_micros, entry.balance_after_micros) == (-12_000, 988_000)
    back = wallet.refund(p.partner.id, "live", 12_000, "msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C")
    assert back.balance_after_micros == 1_000_000
    db.session.commit()
    assert wallet.get_wallet(p.partner.id, "live").balance_micros == 1_000_000


def test_debit_beyond_the_balance_raises_and_writes_nothing(app_ctx):
    p = make_partner(balance="0.01")
    with pytest.raises(wallet.InsufficientFunds) as info:
        wallet.debit(p.partner.id, "live", 12_000, "msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C")
    assert info.value.balance_micros == 10_000
    db.session.rollback()
    assert wallet.get_wallet(p.partner.id, "live").balance_micros == 10_000
    assert db.session.query(WalletTransaction).filter_by(type="debit").count() == 0


def test_a_message_is_refunded_at_most_once(app_ctx):
    from sqlalchemy.exc import IntegrityError

    p = make_partner(balance="1")
    wallet.debit(p.partner.id, "live", 12_000, "msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C")
    wallet.refund(p.partner.id, "live", 12_000, "msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C")
    db.session.commit()
    with pytest.raises(IntegrityError):
        wallet.refund(p.partner.id, "live", 12_000, "msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C")
    db.session.rollback()
    assert wallet.get_wallet(p.partner.id, "live").balance_micros == 1_000_000


def test_ledger_rows_cannot_be_changed_or_deleted(app_ctx):
    p = make_partner(balance="1")
    entry = db.session.query(WalletTransaction).filter_by(partner_id=p.partner.id).first()
    entry.amount_micros = 999
    with pytest.raises(ValueError, match="append-only"):
        db.session.flush()
    db.session.rollback()
    db.session.delete(db.session.get(WalletTransaction, entry.id))
    with pytest.raises(ValueError, match="append-only"):
        db.session.flush()
    db.session.rollback()
