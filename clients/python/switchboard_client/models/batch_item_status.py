from enum import IntEnum


class BatchItemStatus(IntEnum):
    VALUE_202 = 202
    VALUE_402 = 402
    VALUE_422 = 422

    def __str__(self) -> str:
        return str(self.value)
