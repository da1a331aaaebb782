"""bulk_send: messages accepted per second through `POST /api/v1/messages/batch` (batches of
1,000 SMS to 1,000 recipients, a new Idempotency-Key each) ÷ the single-send requests/s
measured by bench/http.py against the same gunicorn in the same run. Target ≥ 10.

- correctness_batch_debits_per_message: wallet debits written for the batches' messages ÷
  the messages they accepted (1: one charge per accepted message, none for anything else)
- correctness_batch_5xx: 5xx answers during the batch load
"""

from __future__ import annotations

import time
import uuid

from bench.http import load

BATCH = 1000
PREFIX = "+1555"  # the batches' recipients; the single-send figures send to +1500555000x
ITEMS = [{"channel": "sms", "to": f"{PREFIX}{n:07d}", "text": f"Batch benchmark {n}"}
         for n in range(BATCH)]


def run(app, base: str, auth: dict, partner_id: str, seconds: float, send_rps: float) -> dict:
    """The batch figures (see the module docstring)."""
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Message, WalletTransaction

    def send_batch(client):
        return client.post("/api/v1/messages/batch", json={"messages": ITEMS},
                           headers={**auth, "Idempotency-Key": uuid.uuid4().hex})

    load(base, send_batch, 1, min(seconds, 2))  # warm-up: the recipients' contacts exist
    with app.app_context():
        before = _batch_messages(partner_id)
        db.session.remove()
    started = time.perf_counter()
    batches = load(base, send_batch, 4, seconds)
    elapsed = time.perf_counter() - started  # the last batches end after `seconds`
    with app.app_context():
        accepted = _batch_messages(partner_id) - before
        debits = db.session.scalar(select(func.count(WalletTransaction.id)).join(
            Message, Message.id == WalletTransaction.message_id).where(
            Message.partner_id == partner_id, Message.to_address.startswith(PREFIX),
            WalletTransaction.type == "debit"))
        written = _batch_messages(partner_id)
        db.session.remove()
    rate = accepted / elapsed
    return {"batch_messages_per_s": rate, "batch_rps": batches.rps,
            "bulk_send": rate / send_rps if send_rps else 0.0,
            "correctness_batch_debits_per_message": debits / written if written else 0.0,
            "correctness_batch_5xx": sum(n for code, n in batches.statuses.items()
                                         if code >= 500)}


def _batch_messages(partner_id: str) -> int:
    from sqlalchemy import func, select

    from app.extensions import db
    from app.models import Message

    return db.session.scalar(select(func.count(Message.id)).where(
        Message.partner_id == partner_id, Message.to_address.startswith(PREFIX)))
