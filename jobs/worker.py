"""The RQ worker entry point: one app, preloaded; every job runs inside its app context."""

from __future__ import annotations

import os

from flask import Flask
from rq import Worker

from app.extensions import db, redis_connection
from app.services import maintenance


class AppWorker(Worker):
    """A forking RQ worker whose work horses inherit the preloaded Flask app.

    Its periodic maintenance also sweeps for lost work and purges expired rows (see
    `app.services.maintenance`), so every running worker repairs what a crash or a Redis
    outage left behind and nothing is kept past its retention.
    """

    flask_app: Flask

    @property
    def dequeue_timeout(self) -> int:
        # Wake up from an idle BLPOP often enough to sweep on time.
        return max(1, min(self.worker_ttl - 15, self.maintenance_interval))

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
        with self.flask_app.app_context():
            # In the forked work horse: never reuse the parent's pooled sockets.
            if os.getpid() != self._parent_pid:
                db.engine.dispose(close=False)
                redis_connection.reset()
            try:
                return super().perform_job(job, queue)
            finally:
                db.session.remove()


def run_worker(app: Flask, queues: list[str], burst: bool = False) -> bool:
    """Run a worker on the named queues until stopped (or, with burst, until they are empty)."""
    with app.app_context():
        connection = redis_connection.client
        db.engine.dispose()
    AppWorker.flask_app = app
    AppWorker._parent_pid = os.getpid()
    interval = int(app.config["SWEEP_INTERVAL_SECONDS"])
    worker = AppWorker(queues, connection=connection, maintenance_interval=interval)
    return worker.work(burst=burst, with_scheduler=True)
