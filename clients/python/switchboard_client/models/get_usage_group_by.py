from enum import StrEnum


class GetUsageGroupBy(StrEnum):
    CHANNEL = "channel"
    STATUS = "status"

    def __str__(self) -> str:
        return str(self.value)
