"""Enqueue background jobs by dotted name; the app never imports `jobs` itself.

Work the database records as due (a message to send, an endpoint to deliver to, a sandbox
receipt to play) is enqueued with a *pending marker*: a Redis key naming the work, whose
value is the job's id, written in the same transaction as the job. The sweeper hands work
back only when no job for it is still waiting (`waiting`): behind a backlog, a job that
waits longer than the sweep's grace is not lost, and copying it would only grow the
backlog. The marker lives in the same Redis as the queue, so a Redis restart loses both
together and the sweeper enqueues the work again; a job whose worker died keeps its RQ
status `started`, which is not waiting, so its work is handed back too. The worker deletes
a job's marker when the job starts (`clear_marker`), unless a later job took it over.
"""

from __future__ import annotations

import contextlib
from datetime import timedelta

import redis
from flask import current_app
from rq import Queue, Retry
from rq.job import Job, JobStatus

from app.extensions import redis_connection

MARKER = "switchboard:pending"
# A marker outlives its job's wait by this much at least (it is deleted when the job starts;
# the TTL only clears markers whose worker died between taking the job and starting it).
MARKER_TTL_SECONDS = 3600
_WAITING = {JobStatus.QUEUED.value, JobStatus.SCHEDULED.value, JobStatus.DEFERRED.value}


def get_queue(name: str) -> Queue:
    """The named RQ queue on the app's Redis."""
    if name not in current_app.config["RQ_QUEUES"]:
        raise ValueError(f"unknown queue {name}")
    return Queue(name, connection=redis_connection.client,
                 is_async=current_app.config["RQ_IS_ASYNC"])


def marker_key(kind: str, item: str) -> str:
    """The Redis key marking a waiting job for one piece of work (`kind`, `item`)."""
    return f"{MARKER}:{kind}:{item}"


def enqueue(func: str, *args, queue: str = "default", job_id: str | None = None,
            retry: Retry | None = None, delay_seconds: float = 0,
            job_timeout: int | None = None, marker: tuple[str, str] | None = None) -> Job:
    """Enqueue `func` (a dotted path such as `jobs.send.send_message`) with id arguments.

    `job_timeout` (seconds) kills the job's work horse; jobs that hold a lease pass one
    below the lease, so no sweeper can start a second attempt while the first still runs.
    `marker` (kind, id) names the work the job does: see the module's docstring.
    """
    q = get_queue(queue)
    options = {"job_id": job_id, "retry": retry, "job_timeout": job_timeout}
    if marker is None or not q.is_async:
        return _enqueue(q, func, args, delay_seconds, options)
    key = marker_key(*marker)
    with redis_connection.client.pipeline() as pipe:
        job = _enqueue(q, func, args, delay_seconds,
                       {**options, "pipeline": pipe, "meta": {"marker": key}})
        pipe.set(key, job.id, ex=_marker_ttl(delay_seconds))
        pipe.execute()
    return job


def _enqueue(q: Queue, func: str, args: tuple, delay_seconds: float, options: dict) -> Job:
    if delay_seconds > 0:
        return q.enqueue_in(timedelta(seconds=delay_seconds), func, *args, **options)
    return q.enqueue(func, *args, **options)


def _marker_ttl(delay_seconds: float) -> int:
    grace = int(current_app.config["STALE_QUEUED_SECONDS"])
    return int(delay_seconds) + max(MARKER_TTL_SECONDS, 10 * grace)


def lease_job_timeout(lease_seconds: int) -> int:
    """A job timeout safely below a lease: the lease less a sixth (at least a second)."""
    return max(1, lease_seconds - max(1, lease_seconds // 6))


def enqueue_quietly(func: str, *args, queue: str, delay_seconds: float = 0,
                    retry: Retry | None = None, job_timeout: int | None = None,
                    marker: tuple[str, str] | None = None) -> Job | None:
    """Enqueue, or log and return None when Redis is unreachable.

    For work the database already records as due: the sweeper enqueues it again later,
    so a lost enqueue delays it but never loses it.
    """
    try:
        return enqueue(func, *args, queue=queue, delay_seconds=delay_seconds, retry=retry,
                       job_timeout=job_timeout, marker=marker)
    except Exception:  # noqa: BLE001 - Redis unavailable: the database still says it is due
        current_app.logger.warning("could not enqueue %s%s; the sweeper will", func, args)
        return None


def enqueue_many_quietly(func: str, args_list: list[tuple], *, queue: str,
                         job_timeout: int | None = None, marker_kind: str | None = None) -> int:
    """Enqueue one job per argument tuple in one Redis pipeline; how many were enqueued.

    Like `enqueue_quietly`: when Redis is unreachable nothing is enqueued, a warning is
    logged and 0 returned, and the sweeper enqueues the work the database records as due.
    With `marker_kind`, each job marks its first argument as pending (see the module).
    """
    if not args_list:
        return 0
    try:
        q = get_queue(queue)
        keys = [marker_key(marker_kind, args[0]) if marker_kind else None for args in args_list]
        datas = [Queue.prepare_data(func, args=args, timeout=job_timeout,
                                    meta={"marker": key} if key else None)
                 for args, key in zip(args_list, keys, strict=True)]
        if marker_kind is None or not q.is_async:
            q.enqueue_many(datas)
        else:
            with redis_connection.client.pipeline() as pipe:
                jobs = q.enqueue_many(datas, pipeline=pipe)
                ttl = _marker_ttl(0)
                for key, job in zip(keys, jobs, strict=True):
                    pipe.set(key, job.id, ex=ttl)
                pipe.execute()
    except Exception:  # noqa: BLE001 - Redis unavailable: the database still says it is due
        current_app.logger.warning("could not enqueue %d %s jobs; the sweeper will",
                                   len(args_list), func)
        return 0
    return len(args_list)


def waiting(kind: str, items: list[str]) -> set[str]:
    """Those of `items` with a job still waiting for them in a queue (queued or scheduled).

    Two round trips whatever the number: the markers, then their jobs' statuses. A marker
    whose job is gone, started or finished does not count: that job is no longer on its
    way. Without Redis, nothing is waiting.
    """
    if not items:
        return set()
    try:
        client = redis_connection.client
        job_ids = client.mget([marker_key(kind, item) for item in items])
        marked = [(item, job_id) for item, job_id in zip(items, job_ids, strict=True) if job_id]
        if not marked:
            return set()
        with client.pipeline(transaction=False) as pipe:
            for _, job_id in marked:
                pipe.hget(Job.key_for(_text(job_id)), "status")
            statuses = pipe.execute()
    except redis.RedisError:
        return set()
    return {item for (item, _), status in zip(marked, statuses, strict=True)
            if status is not None and _text(status) in _WAITING}


# Delete the marker only while it names this job: a later job for the same work may have
# taken it over, and that one is still waiting.
_CLEAR = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def clear_marker(connection: redis.Redis, job: Job) -> None:
    """The job has started: its work is no longer waiting (called by the worker)."""
    key = (job.meta or {}).get("marker")
    if key:
        # On failure it expires by itself; meanwhile the sweeper sees the job as started.
        with contextlib.suppress(redis.RedisError):
            connection.eval(_CLEAR, 1, key, job.id)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
