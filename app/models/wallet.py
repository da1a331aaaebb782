"""Prepaid wallets and their append-only ledger, in integer micro-units."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint, event
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import PrefixedId, TenantScoped, Timestamps

TRANSACTION_TYPES = ("debit", "refund", "topup", "adjustment")


class Wallet(PrefixedId, TenantScoped, Timestamps, db.Model):
    """One per partner and environment; the balance can never go below zero."""

    __tablename__ = "wallets"
    __table_args__ = (
        UniqueConstraint("partner_id", "environment", name="uq_wallets_partner_env"),
        CheckConstraint("balance_micros >= 0", name="non_negative"),
    )
    id_prefix = "wal"

    currency: Mapped[str] = mapped_column(String(3), nullable=False, default="USD")
    balance_micros: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)


class WalletTransaction(PrefixedId, TenantScoped, Timestamps, db.Model):
    """A ledger entry; written once, never updated or deleted."""

    __tablename__ = "wallet_transactions"
    __table_args__ = (
        CheckConstraint(
            "type IN ('debit', 'refund', 'topup', 'adjustment')", name="type"
        ),
        # At most one debit and one refund per message: no double charge, no double refund.
        UniqueConstraint("message_id", "type", name="uq_wallet_transactions_message_type"),
    )
    id_prefix = "txn"

    wallet_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("wallets.id", ondelete="CASCADE"), nullable=False, index=True
    )
    type: Mapped[str] = mapped_column(String(16), nullable=False)
    amount_micros: Mapped[int] = mapped_column(BigInteger, nullable=False)
    balance_after_micros: Mapped[int] = mapped_column(BigInteger, nullable=False)
    currency: Mapped[str] = mapped_column(String(3), nullable=False)
    message_id: Mapped[str | None] = mapped_column(String(40), index=True)
    description: Mapped[str | None] = mapped_column(String(200))


@event.listens_for(WalletTransaction, "before_update")
@event.listens_for(WalletTransaction, "before_delete")
def _ledger_is_append_only(_mapper, _connection, target):
    raise ValueError(f"wallet transaction {target.id} is append-only")
