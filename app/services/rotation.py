"""Re-encrypt every secret at rest under the newest key, so older keys can be retired.

What is sealed with `secretbox`: gateway credentials, webhook endpoints' signing secrets
(current and previous) and stored idempotent responses (they can hold a secret shown once,
such as a new key). `rotate_all` walks each table by primary key in batches, one commit per
batch, and re-encrypts each value with `MultiFernet.rotate`. It can be interrupted and run
again: values already under the newest key are simply re-encrypted once more. A value that
no configured key decrypts is left as it is and reported by row id.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select

from app.extensions import db
from app.models import Gateway, IdempotencyRecord, WebhookEndpoint
from app.services import secretbox, tx

BATCH = 500
# table label → (model, sealed columns, whether the column holds text rather than bytes)
SEALED = {
    "gateway credentials": (Gateway, ("credentials_encrypted",), True),
    "webhook secrets": (WebhookEndpoint, ("secret_encrypted", "previous_secret_encrypted"),
                        True),
    "idempotent responses": (IdempotencyRecord, ("body",), False),
}


@dataclass
class Rotation:
    rotated: dict[str, int] = field(default_factory=dict)
    undecryptable: dict[str, list[str]] = field(default_factory=dict)


def rotate_all(batch: int = BATCH) -> Rotation:
    """Re-encrypt every sealed value under the newest configured key."""
    result = Rotation()
    for label, (model, columns, as_text) in SEALED.items():
        result.rotated[label] = 0
        result.undecryptable[label] = []
        last_id = ""
        while True:
            rows = db.session.scalars(select(model).where(model.id > last_id)
                                      .order_by(model.id).limit(batch)).all()
            if not rows:
                break
            for row in rows:
                for column in columns:
                    value = getattr(row, column)
                    if not value:
                        continue
                    try:
                        fresh = secretbox.rotate(value.encode("ascii") if as_text else value)
                    except secretbox.InvalidToken:
                        result.undecryptable[label].append(f"{row.id}.{column}")
                        continue
                    setattr(row, column, fresh.decode("ascii") if as_text else fresh)
                    result.rotated[label] += 1
            last_id = rows[-1].id
            tx.commit()
    return result
