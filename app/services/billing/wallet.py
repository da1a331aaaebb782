"""Wallet balances and the ledger. Callers commit; every change is one ledger row."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import bindparam, insert, select, update

from app import money
from app.extensions import db
from app.models import Wallet, WalletTransaction
from app.models.base import isoformat, new_id, utcnow


class InsufficientFunds(Exception):
    def __init__(self, balance_micros: int, needed_micros: int, currency: str):
        super().__init__(f"balance {balance_micros} below {needed_micros}")
        self.balance_micros = balance_micros
        self.needed_micros = needed_micros
        self.currency = currency


def get_wallet(partner_id: str, environment: str) -> Wallet:
    """Return the partner's wallet for the environment (every partner has both)."""
    return db.session.scalars(
        select(Wallet).where(Wallet.partner_id == partner_id, Wallet.environment == environment)
    ).one()


def open_wallets(partner_id: str, currency: str = "USD") -> None:
    """Create the live and sandbox wallets of a new partner (uncommitted)."""
    for environment in ("live", "sandbox"):
        db.session.add(Wallet(partner_id=partner_id, environment=environment, currency=currency))
    db.session.flush()


def _apply(wallet: Wallet, kind: str, delta: int, message_id: str | None,
           description: str | None) -> WalletTransaction:
    """Move the balance by `delta` atomically; a debit that would go negative changes nothing."""
    statement = (
        update(Wallet)
        .where(Wallet.id == wallet.id, Wallet.balance_micros + delta >= 0)
        .values(balance_micros=Wallet.balance_micros + delta)
        .returning(Wallet.balance_micros)
        .execution_options(synchronize_session=False)
    )
    balance_after = db.session.execute(statement).scalar()
    if balance_after is None:
        db.session.refresh(wallet)
        raise InsufficientFunds(wallet.balance_micros, -delta, wallet.currency)
    db.session.expire(wallet, ["balance_micros"])
    entry = WalletTransaction(
        partner_id=wallet.partner_id,
        environment=wallet.environment,
        wallet_id=wallet.id,
        type=kind,
        amount_micros=delta,
        balance_after_micros=balance_after,
        currency=wallet.currency,
        message_id=message_id,
        description=description,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def debit(partner_id: str, environment: str, amount_micros: int, message_id: str,
          description: str | None = None) -> WalletTransaction:
    """Charge for a message; raises InsufficientFunds and writes nothing when short."""
    wallet = get_wallet(partner_id, environment)
    return _apply(wallet, "debit", -amount_micros, message_id, description)


@dataclass(frozen=True)
class Charge:
    """One message's debit in a bulk charge."""

    message_id: str
    amount_micros: int
    description: str


def locked_balance_of(partner_id: str, environment: str) -> tuple[str, int, str]:
    """The wallet's id, balance and currency, its row locked until the transaction ends
    (PostgreSQL)."""
    row = db.session.execute(select(Wallet.id, Wallet.balance_micros, Wallet.currency).where(
        Wallet.partner_id == partner_id, Wallet.environment == environment)
        .with_for_update()).one()
    return row.id, row.balance_micros, row.currency


def affordable(balance_micros: int, amounts: list[int]) -> list[bool]:
    """Which charges a balance pays, taken in order as if each were its own send."""
    paid = []
    for amount in amounts:
        paid.append(amount <= balance_micros)
        if paid[-1]:
            balance_micros -= amount
    return paid


_wallets = Wallet.__table__
# Built once, bound per call: on the send path building a statement cost more than running
# it (bench send_efficiency, issue 10). One conditional UPDATE: no read before it.
_DEBIT = (update(_wallets)
          .where(_wallets.c.partner_id == bindparam("partner"),
                 _wallets.c.environment == bindparam("env"),
                 _wallets.c.balance_micros >= bindparam("total"))
          .values(balance_micros=_wallets.c.balance_micros - bindparam("total"))
          .returning(_wallets.c.id, _wallets.c.balance_micros, _wallets.c.currency))
_LEDGER = insert(WalletTransaction.__table__)


@dataclass(frozen=True)
class Debited:
    """The wallet a bulk charge was taken from."""

    wallet_id: str
    currency: str


def debit_many(partner_id: str, environment: str, charges: list[Charge]) -> Debited | None:
    """Charge several messages with one balance update and one ledger insert.

    None, changing nothing, when the balance does not cover them all: the caller then
    locks the wallet (`locked_balance_of`) and decides which it pays.
    """
    total = sum(charge.amount_micros for charge in charges)
    row = db.session.execute(_DEBIT, {"partner": partner_id, "env": environment,
                                      "total": total}).one_or_none()
    if row is None:
        return None
    now = utcnow()
    running = row.balance_micros + total
    rows = []
    for charge in charges:
        running -= charge.amount_micros
        rows.append({"id": new_id("txn"), "partner_id": partner_id,
                     "environment": environment, "wallet_id": row.id, "type": "debit",
                     "amount_micros": -charge.amount_micros,
                     "balance_after_micros": running, "currency": row.currency,
                     "message_id": charge.message_id, "description": charge.description,
                     "created_at": now, "updated_at": now})
    db.session.execute(_LEDGER, rows)
    return Debited(row.id, row.currency)


def refund(partner_id: str, environment: str, amount_micros: int, message_id: str,
           description: str | None = None) -> WalletTransaction:
    """Give back a message's charge (at most once per message: a unique constraint holds it)."""
    wallet = get_wallet(partner_id, environment)
    return _apply(wallet, "refund", amount_micros, message_id, description)


def top_up(partner_id: str, environment: str, amount_micros: int,
           description: str | None = None) -> WalletTransaction:
    """Add funds."""
    if amount_micros <= 0:
        raise ValueError("a top-up must be positive")
    wallet = get_wallet(partner_id, environment)
    return _apply(wallet, "topup", amount_micros, None, description)


def transactions_query(partner_id: str, environment: str, message_id: str | None = None,
                       kind: str | None = None):
    """The ledger of one partner and environment, for pagination."""
    statement = select(WalletTransaction).where(WalletTransaction.partner_id == partner_id,
                                                WalletTransaction.environment == environment)
    if message_id:
        statement = statement.where(WalletTransaction.message_id == message_id)
    if kind:
        statement = statement.where(WalletTransaction.type == kind)
    return statement


def balance_to_api(wallet: Wallet) -> dict:
    """The balance object of `GET /api/v1/balance` (docs/sending.md, "Cost estimates and your
    wallet")."""
    return {"object": "balance", "available": money.format_amount(wallet.balance_micros),
            "currency": wallet.currency, "environment": wallet.environment}


def transaction_to_api(entry: WalletTransaction) -> dict:
    """The wallet transaction object (docs/sending.md, "Cost estimates and your wallet")."""
    return {"id": entry.id, "object": "wallet_transaction", "type": entry.type,
            "amount": money.format_amount(entry.amount_micros), "currency": entry.currency,
            "message_id": entry.message_id,
            "balance_after": money.format_amount(entry.balance_after_micros),
            "description": entry.description, "created_at": isoformat(entry.created_at)}
