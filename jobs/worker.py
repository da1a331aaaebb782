"""The RQ worker entry point: one app, preloaded; every job runs in-process, inside its app
context, on the process's own database and Redis connection pools.

No fork per job: a forked work horse per job (RQ's default `Worker`) costs a fork, a new
database connection and a new Redis connection for every job, which capped delivery at a few
messages a second. Running jobs in the worker process is safe here because the delivery
engine never relies on the horse: a message or webhook is claimed with a lease in the
database, so a worker killed mid-job (whatever its class) leaves the lease to expire and
the sweeper hands the work to another (tests/jobs/test_crash_recovery.py). Use several
processes (`flask worker --processes N`, or several `flask worker`s) to use every core."""

from __future__ import annotations

from flask import Flask
from rq import SimpleWorker
from rq.worker import DequeueStrategy
from rq.worker_pool import WorkerPool

from app.extensions import db, redis_connection
from app.services import maintenance
from app.services.queue import clear_marker


class AppWorker(SimpleWorker):
    """An RQ worker running jobs in its own process, with the Flask app preloaded.

    Its periodic maintenance also sweeps for lost work and purges expired rows (see
    `app.services.maintenance`), so every running worker repairs what a crash or a Redis
    outage left behind and nothing is kept past its retention.
    """

    flask_app: Flask

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("maintenance_interval",
                          int(self.flask_app.config["SWEEP_INTERVAL_SECONDS"]))
        super().__init__(*args, **kwargs)

    @property
    def dequeue_timeout(self) -> int:
        # Wake up from an idle BLPOP often enough to sweep on time.
        return max(1, min(self.worker_ttl - 15, self.maintenance_interval))

    def work(self, *args, **kwargs):
        # Round robin over the queues. In RQ's default order a queue with a backlog (webhook
        # deliveries after an outage) starves every queue listed after it: the chaos run saw
        # no job of `default` (the sandbox's receipts) run for a minute.
        kwargs.setdefault("dequeue_strategy", DequeueStrategy.ROUND_ROBIN)
        return super().work(*args, **kwargs)

    def run_maintenance_tasks(self):
        super().run_maintenance_tasks()
        with self.flask_app.app_context():
            try:
                found = maintenance.sweep()
                if any(found.values()):
                    self.log.info("sweeper re-enqueued %s", found)
                purged = maintenance.purge_if_due()
                if purged and any(purged.values()):
                    self.log.info("purged %s", purged)
            except Exception:  # noqa: BLE001 - a failed sweep must not stop the worker
                db.session.rollback()
                self.log.exception("maintenance failed")
            finally:
                db.session.remove()

    def perform_job(self, job, queue):
        clear_marker(self.connection, job)  # its work no longer waits in a queue
        with self.flask_app.app_context():
            try:
                return super().perform_job(job, queue)
            finally:
                db.session.remove()


def run_worker(app: Flask, queues: list[str], burst: bool = False, processes: int = 1) -> bool:
    """Run a worker on the named queues until stopped (or, with burst, until they are empty).

    With `processes` above one, RQ's WorkerPool forks that many workers (before any of them
    opens a database connection) and starts a new one whenever one dies.
    """
    with app.app_context():
        connection = redis_connection.client
        db.engine.dispose()
    AppWorker.flask_app = app
    if processes > 1:
        WorkerPool(queues, connection=connection, num_workers=processes,
                   worker_class=AppWorker).start(burst=burst)
        return True
    return AppWorker(queues, connection=connection).work(burst=burst, with_scheduler=True)
