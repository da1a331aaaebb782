from enum import StrEnum


class ChannelOutAddress(StrEnum):
    E164 = "e164"
    EMAIL = "email"
    FCM_TOKEN = "fcm_token"
    ID = "id"

    def __str__(self) -> str:
        return str(self.value)
