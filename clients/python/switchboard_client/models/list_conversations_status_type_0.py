from enum import StrEnum


class ListConversationsStatusType0(StrEnum):
    CLOSED = "closed"
    OPEN = "open"

    def __str__(self) -> str:
        return str(self.value)
