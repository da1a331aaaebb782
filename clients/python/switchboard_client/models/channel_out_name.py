from enum import StrEnum


class ChannelOutName(StrEnum):
    EMAIL = "email"
    INSTAGRAM = "instagram"
    LINE = "line"
    MESSENGER = "messenger"
    PUSH = "push"
    RCS = "rcs"
    SMS = "sms"
    TELEGRAM = "telegram"
    VIBER = "viber"
    WEBCHAT = "webchat"
    WHATSAPP = "whatsapp"

    def __str__(self) -> str:
        return str(self.value)
