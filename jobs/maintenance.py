"""Housekeeping on the `default` queue (the workers also run it between jobs)."""

from __future__ import annotations

from app.services import maintenance

queue = "default"


def purge() -> dict:
    """Delete one batch of each kind of expired row now; return how many of each."""
    return maintenance.purge()
