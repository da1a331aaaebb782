"""Keyset pagination over prefixed-ULID ids: `?limit=&cursor=` → a page and the next cursor."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select

from app.errors import ApiError
from app.extensions import db
from app.models.base import ID_PATTERN


@dataclass(frozen=True)
class Page:
    items: list[Any]
    has_more: bool
    next_cursor: str | None


def encode_cursor(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> str:
    """The id a cursor points after; 400 invalid_cursor when it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        last_id = base64.urlsafe_b64decode(padded.encode()).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise ApiError("invalid_cursor", param="cursor") from None
    if not ID_PATTERN.match(last_id):
        raise ApiError("invalid_cursor", param="cursor")
    return last_id


def paginate(statement: Select, id_column, limit: int, cursor: str | None,
             newest_first: bool = True) -> Page:
    """Run `statement` one page at a time, ordered by id (ULIDs sort by creation time)."""
    if cursor:
        last_id = decode_cursor(cursor)
        statement = statement.where(id_column < last_id if newest_first else id_column > last_id)
    order = id_column.desc() if newest_first else id_column.asc()
    rows = list(db.session.scalars(statement.order_by(order).limit(limit + 1)))
    has_more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, has_more, encode_cursor(rows[-1].id) if has_more and rows else None)


def compare_up_to_second(statement: Select, column, gte: datetime | None,
                         lte: datetime | None) -> Select:
    """Filter `column` to [gte, lte] as the API shows times: to the second.

    `lte` 14:22:17Z includes 14:22:17.900, since that row is shown as 14:22:17Z.
    """
    if gte is not None:
        statement = statement.where(column >= gte)
    if lte is not None:
        if lte.microsecond == 0:
            statement = statement.where(column < lte + timedelta(seconds=1))
        else:
            statement = statement.where(column <= lte)
    return statement
