"""The RQ worker: a real `flask worker --burst` process runs a job from real Redis."""

from __future__ import annotations

from datetime import timedelta

from rq.job import Job

from app.extensions import db, redis_connection
from app.models import IdempotencyRecord
from app.models.base import utcnow
from app.services import maintenance
from app.services.queue import enqueue
from tests.factories import make_partner
from tests.jobs._workers import run_worker_to_completion, worker_env


def _record(partner_id: str, key: str, age: timedelta) -> None:
    db.session.add(IdempotencyRecord(partner_id=partner_id, environment="live", key=key,
                                     fingerprint="f" * 64, status_code=202, headers={},
                                     body=b"{}", created_at=utcnow() - age))


def test_worker_process_runs_an_enqueued_job_in_burst_mode(app, app_ctx):
    partner = make_partner().partner
    _record(partner.id, "old", timedelta(hours=25))
    _record(partner.id, "fresh", timedelta(hours=1))
    db.session.commit()
    # Another worker purged a moment ago: this one's own maintenance leaves it to the job.
    redis_connection.client.set(maintenance.PURGE_LEASE_KEY, "1", ex=60)
    job = enqueue("jobs.maintenance.purge", queue="default")
    done = run_worker_to_completion(app, worker_env(app))
    finished = Job.fetch(job.id, connection=redis_connection.client)
    assert finished.get_status() == "finished", done.stderr[-2000:]
    assert finished.return_value()["idempotency_records"] == 1
    db.session.expire_all()
    assert [r.key for r in db.session.query(IdempotencyRecord)] == ["fresh"]


def test_a_worker_purges_expired_records_between_jobs_without_being_asked(app, app_ctx):
    partner = make_partner().partner
    _record(partner.id, "old", timedelta(hours=25))
    _record(partner.id, "fresh", timedelta(hours=1))
    db.session.commit()
    run_worker_to_completion(app, worker_env(app))  # nothing queued: maintenance only
    db.session.expire_all()
    assert [r.key for r in db.session.query(IdempotencyRecord)] == ["fresh"]
