"""Enqueue background jobs by dotted name; the app never imports `jobs` itself."""

from __future__ import annotations

from flask import current_app
from rq import Queue, Retry
from rq.job import Job

from app.extensions import redis_connection


def get_queue(name: str) -> Queue:
    """The named RQ queue on the app's Redis."""
    if name not in current_app.config["RQ_QUEUES"]:
        raise ValueError(f"unknown queue {name}")
    return Queue(name, connection=redis_connection.client,
                 is_async=current_app.config["RQ_IS_ASYNC"])


def enqueue(func: str, *args, queue: str = "default", job_id: str | None = None,
            retry: Retry | None = None, delay_seconds: float = 0) -> Job:
    """Enqueue `func` (a dotted path such as `jobs.send.send_message`) with id arguments."""
    q = get_queue(queue)
    if delay_seconds > 0:
        from datetime import timedelta

        return q.enqueue_in(timedelta(seconds=delay_seconds), func, *args, job_id=job_id,
                            retry=retry)
    return q.enqueue(func, *args, job_id=job_id, retry=retry)
