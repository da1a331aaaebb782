from enum import StrEnum


class UsageGroupBy(StrEnum):
    CHANNEL = "channel"
    STATUS = "status"

    def __str__(self) -> str:
        return str(self.value)
