from enum import StrEnum


class ChannelPricingUnit(StrEnum):
    MESSAGE = "message"
    SEGMENT = "segment"

    def __str__(self) -> str:
        return str(self.value)
