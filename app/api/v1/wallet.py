"""Wallet: `GET /balance`, `GET /wallet/transactions`."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from app.api.principal import Principal
from app.api.schemas import (
    Id,
    ListQuery,
    ListResponse,
    Money,
    Timestamp,
    page_response,
)
from app.api.surfaces import v1 as surface
from app.models import WalletTransaction
from app.services.billing import wallet
from app.services.pagination import paginate


class Balance(BaseModel):
    object: Literal["balance"]
    available: Money
    currency: str = Field(examples=["USD"])
    environment: Literal["live", "sandbox"]


class WalletTransactionOut(BaseModel):
    id: Id
    object: Literal["wallet_transaction"]
    type: Literal["debit", "refund", "topup", "adjustment"]
    amount: Money
    currency: str
    message_id: Id | None
    balance_after: Money
    description: str | None
    created_at: Timestamp


class TransactionQuery(ListQuery):
    message_id: Id | None = None
    type: Literal["debit", "refund", "topup", "adjustment"] | None = None


@surface.endpoint("/balance", "GET", summary="Get the wallet balance", tags=("Wallet",),
                  response=Balance)
def get_balance(principal: Principal):
    """The available balance of the key's environment (sandbox keys see play money)."""
    return wallet.balance_to_api(wallet.get_wallet(principal.partner_id, principal.environment))


@surface.endpoint("/wallet/transactions", "GET", summary="List wallet transactions",
                  tags=("Wallet",), query=TransactionQuery,
                  response=ListResponse[WalletTransactionOut], errors=("invalid_cursor",))
def list_transactions(principal: Principal, query: TransactionQuery):
    """The append-only ledger, newest first: debits, refunds, top-ups and adjustments."""
    statement = wallet.transactions_query(principal.partner_id, principal.environment,
                                          query.message_id, query.type)
    page = paginate(statement, WalletTransaction.id, query.limit, query.cursor)
    return page_response(page, wallet.transaction_to_api)
