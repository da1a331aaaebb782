"""Shared column types and mixins: prefixed ULID ids, UTC timestamps, tenant scoping."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import DateTime, String, TypeDecorator, event
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from ulid import ULID

ULID_REGEX = "[0-7][0-9A-HJKMNP-TV-Z]{25}"
ID_REGEX = f"^[a-z]+_{ULID_REGEX}$"  # every id of every object: prefix_ULID
ID_PATTERN = re.compile(ID_REGEX)
ENVIRONMENTS = ("live", "sandbox")


def new_id(prefix: str) -> str:
    """Return a fresh prefixed uppercase ULID such as `msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C`."""
    return f"{prefix}_{ULID()}"


def utcnow() -> datetime:
    """Return the current time, timezone-aware UTC, to the second's microsecond."""
    return datetime.now(UTC)


def isoformat(value: datetime | None) -> str | None:
    """Format a time as RFC 3339 UTC with a `Z`, whole seconds."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    # isoformat() pads the year to four digits on every platform; strftime("%Y") does not.
    return value.astimezone(UTC).replace(microsecond=0, tzinfo=None).isoformat() + "Z"


class UTCDateTime(TypeDecorator):
    """A timestamp stored naive-UTC everywhere and returned timezone-aware UTC."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        return value


class PrefixedId:
    """Primary key `id`, a prefixed ULID; subclasses set `id_prefix`."""

    id_prefix: str

    @declared_attr
    def id(cls) -> Mapped[str]:  # noqa: N805 - SQLAlchemy declared_attr convention
        prefix = cls.id_prefix
        return mapped_column(String(40), primary_key=True, default=lambda: new_id(prefix))


@event.listens_for(PrefixedId, "init", propagate=True)
def _give_id(target: PrefixedId, _args, kwargs: dict) -> None:
    """Give a new object its id as it is made: the ORM then knows every primary key before
    the flush, so new rows go out as one executemany instead of an INSERT ... RETURNING the
    ids (whose many-row text the driver parses anew each time)."""
    if "id" not in kwargs:
        kwargs["id"] = new_id(target.id_prefix)


class Timestamps:
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )


class TenantScoped:
    """Every tenant-owned row: which partner and which data plane (live or sandbox)."""

    @declared_attr
    def partner_id(cls) -> Mapped[str]:  # noqa: N805
        from sqlalchemy import ForeignKey

        return mapped_column(
            String(40), ForeignKey("partners.id", ondelete="CASCADE"), nullable=False, index=True
        )

    environment: Mapped[str] = mapped_column(String(8), nullable=False)
