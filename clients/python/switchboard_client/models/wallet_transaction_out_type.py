from enum import StrEnum


class WalletTransactionOutType(StrEnum):
    ADJUSTMENT = "adjustment"
    DEBIT = "debit"
    REFUND = "refund"
    TOPUP = "topup"

    def __str__(self) -> str:
        return str(self.value)
