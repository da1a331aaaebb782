"""People who log in: operators (platform staff), partner admins and agents."""

from __future__ import annotations

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import PrefixedId, Timestamps, UTCDateTime

ROLES = ("operator", "admin", "agent")


class User(PrefixedId, Timestamps, UserMixin, db.Model):
    """A login. Operators belong to no partner; admins and agents to exactly one.

    Users are not scoped to an environment: one team works both live and sandbox.
    """

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('operator', 'admin', 'agent')", name="role"),
        CheckConstraint(
            "(role = 'operator' AND partner_id IS NULL) OR "
            "(role <> 'operator' AND partner_id IS NOT NULL)",
            name="partner_for_role",
        ),
    )
    id_prefix = "usr"

    email: Mapped[str] = mapped_column(String(320), nullable=False, unique=True)
    name: Mapped[str | None] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    role: Mapped[str] = mapped_column(String(16), nullable=False)
    partner_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("partners.id", ondelete="CASCADE"), index=True
    )
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Part of the session cookie's user id: bumping it (sign-out, password change) ends every
    # admin session of this user, including cookies copied before.
    session_version: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                                 server_default=text("0"))

    def get_id(self) -> str:
        """The session's user id: `usr_...:<session_version>` (see the user loader)."""
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.disabled_at is None
