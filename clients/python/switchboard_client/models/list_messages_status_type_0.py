from enum import StrEnum


class ListMessagesStatusType0(StrEnum):
    BOUNCED = "bounced"
    DELIVERED = "delivered"
    FAILED = "failed"
    QUEUED = "queued"
    READ = "read"
    SENDING = "sending"
    SENT = "sent"

    def __str__(self) -> str:
        return str(self.value)
