from enum import StrEnum


class ListTransactionsTypeType0(StrEnum):
    ADJUSTMENT = "adjustment"
    DEBIT = "debit"
    REFUND = "refund"
    TOPUP = "topup"

    def __str__(self) -> str:
        return str(self.value)
