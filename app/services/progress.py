"""Long console work (large exports, replays of many deliveries) as RQ jobs with progress.

A job is started for one partner and environment; its meta carries the owner, a label,
and `done`/`total` as the job reports them. Pages poll `status()` for the owner only: a job
of another partner is "not found", whatever its id.
"""

from __future__ import annotations

from dataclasses import dataclass

from rq.exceptions import NoSuchJobError
from rq.job import Job, get_current_job

from app.errors import ApiError
from app.extensions import redis_connection
from app.models.base import new_id
from app.services import queue

RESULT_TTL = 3600


@dataclass(frozen=True)
class Progress:
    id: str
    label: str
    state: str  # queued | started | finished | failed
    done: int
    total: int | None
    result: object

    @property
    def finished(self) -> bool:
        return self.state in ("finished", "failed")

    @property
    def percent(self) -> int:
        if self.state == "finished":
            return 100
        return int(self.done * 100 / self.total) if self.total else 0

    @property
    def version(self) -> str:
        """Changes whenever the fragment would show something else (the poll's validator)."""
        return f"{self.state}:{self.done}:{self.total}"


def start(func: str, label: str, partner_id: str, environment: str, *args) -> str:
    """Enqueue `func(job_id, partner_id, environment, *args)`; the job's id."""
    job_id = new_id("job").lower()
    job = queue.get_queue("default").enqueue(
        func, job_id, partner_id, environment, *args, job_id=job_id, result_ttl=RESULT_TTL,
        meta={"partner_id": partner_id, "environment": environment, "label": label,
              "done": 0, "total": None})
    return job.id


def report(done: int, total: int | None) -> None:
    """From inside a job: how far it is."""
    job = get_current_job()
    if job is None:
        return
    job.meta.update(done=done, total=total)
    job.save_meta()


def status(job_id: str, partner_id: str, environment: str) -> Progress:
    """The progress of one of this partner's jobs; 404 for anyone else's or an unknown id."""
    try:
        job = Job.fetch(job_id, connection=redis_connection.client)
    except (NoSuchJobError, ValueError):
        job = None
    if job is None or job.meta.get("partner_id") != partner_id or job.meta.get(
            "environment") != environment:
        raise ApiError("not_found", f"No job {job_id}.", param="job_id")
    state = job.get_status(refresh=True)
    state = state.value if hasattr(state, "value") else str(state)
    if state not in ("finished", "failed", "started"):
        state = "queued"
    return Progress(job.id, job.meta.get("label", "job"), state, int(job.meta.get("done", 0)),
                    job.meta.get("total"), job.return_value() if state == "finished" else None)
