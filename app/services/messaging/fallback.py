"""RCS → SMS fallback: when the recipient cannot receive RCS, one SMS attempt instead.

The RCS message ends `failed` with its charge refunded, and a new SMS message, priced and
charged as SMS and pointing at the original through `fallback_of_id`, goes the usual way —
both in one transaction. If the SMS cannot be sent (say the wallet cannot pay for it), the
RCS failure stands on its own, refunded, with the reason in `last_error`.
"""

from __future__ import annotations

from app.errors import ApiError
from app.extensions import db
from app.models import Message
from app.services import tx
from app.services.messaging import delivery, messages


def fall_back_to_sms(message: Message, reason: str) -> Message | None:
    """Fail the RCS message (refunded) and send its text as one new SMS; return the SMS."""
    message_id = message.id
    payload = {"channel": "sms", "to": message.to_address, "text": message.text}
    try:
        with tx.unit_of_work():
            delivery.fail(message, f"{reason}; sent as SMS instead")
            return messages.send(message.partner_id, message.environment, payload,
                        fallback_of=message_id)
    except ApiError as refused:
        message = db.session.get(Message, message_id, with_for_update=True,
                                 populate_existing=True)
        delivery.fail(message, f"{reason}; SMS fallback refused: {refused.entry.code}")
        return None
