"""Housekeeping jobs on the `default` queue."""

from __future__ import annotations

from app.services import maintenance

queue = "default"


def purge_idempotency_records() -> int:
    """Delete idempotency records past their 24 h retention; return how many."""
    return maintenance.purge_idempotency_records()


def sweep() -> dict:
    """Re-enqueue work whose job was lost (Redis down, worker killed); return the counts."""
    return maintenance.sweep()
