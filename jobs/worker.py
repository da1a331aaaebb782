"""The RQ worker entry point: one app, preloaded; every job runs inside its app context."""

from __future__ import annotations

import os

from flask import Flask
from rq import Worker

from app.extensions import db, redis_connection


class AppWorker(Worker):
    """A forking RQ worker whose work horses inherit the preloaded Flask app."""

    flask_app: Flask

    def perform_job(self, job, queue):
        # Runs in the forked work horse: never reuse the parent's pooled sockets.
        if os.getpid() != self._parent_pid:
            db.engine.dispose(close=False)
            redis_connection.reset()
        with self.flask_app.app_context():
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
    worker = AppWorker(queues, connection=connection)
    return worker.work(burst=burst, with_scheduler=True)
