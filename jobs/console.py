"""Long console work on the `default` queue, reporting progress for the page that polls it."""

from __future__ import annotations

from datetime import datetime

from app.services import progress
from app.services.billing import ledger
from app.services.webhooks import log

queue = "default"


def export_ledger(job_id: str, partner_id: str, environment: str, filters: dict) -> dict:
    """Write a ledger CSV export; the file is downloaded through the console."""
    ledger.write_export(job_id, partner_id, environment, filters)
    return {"kind": "export", "job_id": job_id}


def replay_failed(job_id: str, partner_id: str, environment: str, endpoint_id: str,
                  since: str) -> dict:
    """Replay an endpoint's failed deliveries since a time, batch after batch."""
    done, more = 0, True
    while more:
        count, more = log.replay_failed_since(partner_id, environment, endpoint_id,
                                              datetime.fromisoformat(since))
        done += count
        progress.report(done, None if more else done)
    return {"kind": "replay", "replayed": done}
