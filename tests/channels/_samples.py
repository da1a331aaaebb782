"""Sample sends for the channel registry tests: one well-formed payload per channel."""

from __future__ import annotations

import pytest

from app.channels import ChannelValidationError, validate_send

ALL = ["whatsapp", "sms", "rcs", "email", "messenger", "instagram", "telegram", "viber", "line",
       "webchat", "push"]
FCM_TOKEN = "fcm-token_1234567890:APA91b.abc"
GOOD = {
    "whatsapp": {"to": "+15551234567", "text": "hi"},
    "sms": {"to": "+15551234567", "text": "hi"},
    "rcs": {"to": "+15551234567", "text": "hi"},
    "email": {"to": "bob@example.com", "subject": "Hello", "text": "hi"},
    "messenger": {"to": "24012345678901234", "text": "hi"},
    "instagram": {"to": "17841400000000000", "text": "hi"},
    "telegram": {"to": "-1001234567890", "text": "hi"},
    "viber": {"to": "01234567890A=", "text": "hi"},
    "line": {"to": "U4af4980629a0b2f1c3d4e5f60718293a", "text": "hi"},
    "webchat": {"to": "visitor_42", "text": "hi"},
    "push": {"to": FCM_TOKEN, "title": "New reply", "text": "hi"},
}


def send(channel: str, **fields):
    return validate_send({"channel": channel, **fields})


def problems(channel: str | None, **fields) -> list[tuple[str, str]]:
    payload = {**({"channel": channel} if channel is not None else {}), **fields}
    with pytest.raises(ChannelValidationError) as caught:
        validate_send(payload)
    return [(e["param"], e["code"]) for e in caught.value.errors]
