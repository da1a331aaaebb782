"""Housekeeping jobs on the `default` queue."""

from __future__ import annotations

from app.services import maintenance

queue = "default"


def purge_idempotency_records() -> int:
    """Delete idempotency records past their 24 h retention; return how many."""
    return maintenance.purge_idempotency_records()
