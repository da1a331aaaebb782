from enum import StrEnum


class EndpointOutEventTypesItem(StrEnum):
    CONTACT_IDENTIFIED = "contact.identified"
    CONVERSATION_ASSIGNED = "conversation.assigned"
    MESSAGE_BOUNCED = "message.bounced"
    MESSAGE_DELIVERED = "message.delivered"
    MESSAGE_FAILED = "message.failed"
    MESSAGE_READ = "message.read"
    MESSAGE_RECEIVED = "message.received"
    MESSAGE_SENT = "message.sent"

    def __str__(self) -> str:
        return str(self.value)
