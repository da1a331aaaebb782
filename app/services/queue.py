"""Enqueue background jobs by dotted name; the app never imports `jobs` itself."""

from __future__ import annotations

from datetime import timedelta

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
            retry: Retry | None = None, delay_seconds: float = 0,
            job_timeout: int | None = None) -> Job:
    """Enqueue `func` (a dotted path such as `jobs.send.send_message`) with id arguments.

    `job_timeout` (seconds) kills the job's work horse; jobs that hold a lease pass one
    below the lease, so no sweeper can start a second attempt while the first still runs.
    """
    q = get_queue(queue)
    if delay_seconds > 0:
        return q.enqueue_in(timedelta(seconds=delay_seconds), func, *args, job_id=job_id,
                            retry=retry, job_timeout=job_timeout)
    return q.enqueue(func, *args, job_id=job_id, retry=retry, job_timeout=job_timeout)


def lease_job_timeout(lease_seconds: int) -> int:
    """A job timeout safely below a lease: the lease less a sixth (at least a second)."""
    return max(1, lease_seconds - max(1, lease_seconds // 6))


def enqueue_quietly(func: str, *args, queue: str, delay_seconds: float = 0,
                    retry: Retry | None = None, job_timeout: int | None = None) -> Job | None:
    """Enqueue, or log and return None when Redis is unreachable.

    For work the database already records as due: the sweeper enqueues it again later,
    so a lost enqueue delays it but never loses it.
    """
    try:
        return enqueue(func, *args, queue=queue, delay_seconds=delay_seconds, retry=retry,
                       job_timeout=job_timeout)
    except Exception:  # noqa: BLE001 - Redis unavailable: the database still says it is due
        current_app.logger.warning("could not enqueue %s%s; the sweeper will", func, args)
        return None


def enqueue_many_quietly(func: str, args_list: list[tuple], *, queue: str,
                         job_timeout: int | None = None) -> int:
    """Enqueue one job per argument tuple in one Redis pipeline; how many were enqueued.

    Like `enqueue_quietly`: when Redis is unreachable nothing is enqueued, a warning is
    logged and 0 returned, and the sweeper enqueues the work the database records as due.
    """
    if not args_list:
        return 0
    try:
        q = get_queue(queue)
        q.enqueue_many([Queue.prepare_data(func, args=args, timeout=job_timeout)
                        for args in args_list])
    except Exception:  # noqa: BLE001 - Redis unavailable: the database still says it is due
        current_app.logger.warning("could not enqueue %d %s jobs; the sweeper will",
                                   len(args_list), func)
        return 0
    return len(args_list)
