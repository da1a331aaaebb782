"""Who is calling: the principal every surface's authentication yields."""

from __future__ import annotations

from dataclasses import dataclass

MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Principal:
    """A partner acting in one environment, through an actor (a key, a user, a device)."""

    # None for an operator's call that concerns no one partner (platform settings).
    partner_id: str | None
    environment: str
    actor: str  # key_..., usr_...
    surface: str  # v1 | mobile | internal
    user_id: str | None = None
    role: str | None = None
    # Per-partner override of the requests-per-minute limit, or None for the default.
    rate_limit: int | None = None
