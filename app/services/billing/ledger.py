"""The wallet ledger as the console shows it: filters, keyset pages, and CSV exports.

An export of up to CONSOLE_INLINE_EXPORT_ROWS rows is written at once; a larger one runs as
a job (`jobs.console.export_ledger`) that reports its progress and leaves the file in
`instance/exports/`, where only the same partner can download it.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from datetime import datetime

from flask import current_app
from sqlalchemy import func, select

from app import money
from app.extensions import db
from app.models import WalletTransaction
from app.models.base import isoformat
from app.services import progress
from app.services.billing import wallet
from app.services.pagination import Page, paginate

HEADER = ("id", "created_at", "type", "amount", "currency", "balance_after", "message_id",
          "description")
CHUNK = 500


def _query(partner_id: str, environment: str, kind: str | None, since: datetime | None,
           until: datetime | None):
    statement = wallet.transactions_query(partner_id, environment, kind=kind)
    if since is not None:
        statement = statement.where(WalletTransaction.created_at >= since)
    if until is not None:
        statement = statement.where(WalletTransaction.created_at < until)
    return statement


def page(partner_id: str, environment: str, *, kind: str | None = None,
         since: datetime | None = None, until: datetime | None = None,
         cursor: str | None = None, limit: int = 50) -> Page:
    """One page of the ledger, newest first."""
    return paginate(_query(partner_id, environment, kind, since, until), WalletTransaction.id,
                    limit, cursor)


def count(partner_id: str, environment: str, *, kind: str | None = None,
          since: datetime | None = None, until: datetime | None = None) -> int:
    statement = _query(partner_id, environment, kind, since, until)
    return db.session.scalar(select(func.count()).select_from(statement.subquery()))


def _text(value: str | None) -> str:
    """Free text for a spreadsheet: a leading = + - @ would start a formula, so it is
    quoted with an apostrophe (OWASP's advice on CSV injection)."""
    value = value or ""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _row(entry: WalletTransaction) -> list[str]:
    return [entry.id, isoformat(entry.created_at), entry.type,
            money.format_amount(entry.amount_micros), entry.currency,
            money.format_amount(entry.balance_after_micros), entry.message_id or "",
            _text(entry.description)]


def csv_lines(partner_id: str, environment: str, *, kind: str | None = None,
              since: datetime | None = None, until: datetime | None = None,
              on_progress=None) -> Iterator[str]:
    """The CSV text of the filtered ledger, oldest first, in chunks (keyset, not OFFSET)."""
    total = count(partner_id, environment, kind=kind, since=since, until=until)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADER)
    done, last_id = 0, None
    while True:
        statement = _query(partner_id, environment, kind, since, until)
        if last_id is not None:
            statement = statement.where(WalletTransaction.id > last_id)
        rows = list(db.session.scalars(statement.order_by(WalletTransaction.id).limit(CHUNK)))
        for entry in rows:
            writer.writerow(_row(entry))
        done += len(rows)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        if on_progress is not None:
            on_progress(done, total)
        if len(rows) < CHUNK:
            return
        last_id = rows[-1].id


def export_path(job_id: str) -> str:
    """Where the export job `job_id` writes its file."""
    return os.path.join(current_app.instance_path, "exports", f"{job_id}.csv")


def start_export(partner_id: str, environment: str, filters: dict) -> str:
    """Run a large export as a job; its id, to poll."""
    return progress.start("jobs.console.export_ledger", "ledger export", partner_id,
                          environment, filters)


def write_export(job_id: str, partner_id: str, environment: str, filters: dict) -> str:
    """The job's work: write the CSV file, reporting progress; its path."""
    path = export_path(job_id)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    parsed = {"kind": filters.get("kind") or None,
              "since": datetime.fromisoformat(filters["since"]) if filters.get("since") else None,
              "until": datetime.fromisoformat(filters["until"]) if filters.get("until") else None}
    with open(path + ".part", "w", newline="") as handle:
        for chunk in csv_lines(partner_id, environment, on_progress=progress.report, **parsed):
            handle.write(chunk)
    os.replace(path + ".part", path)
    return path
