"""Payloads and probes shared by the `/messages` tests: the design's example, queue and counts."""

from __future__ import annotations

from rq import Queue
from rq.job import Job
from sqlalchemy import func, select

from app.extensions import db, redis_connection
from tests.factories import ApiClient

ORDER_TEMPLATE = {"name": "order_confirmation", "language": "en", "channel": "whatsapp",
                  "body": "Hi {{name}}, order {{order_id}} arrives in {{eta}}."}
EXAMPLE_KEY = "7f3e2c1a-9b8d-4f6e-a2c1-b3d4e5f6a7b8"
EXAMPLE = {"channel": "whatsapp", "to": "+15551234567", "template": "order_confirmation",
           "language": "en",
           "variables": {"name": "Nayeem", "order_id": "TR-204821", "eta": "15 minutes"}}
SMS = {"channel": "sms", "to": "+15551234567", "text": "Your code is 123456"}


def _count(app, model, **filters) -> int:
    with app.app_context():
        statement = select(func.count()).select_from(model)
        for name, value in filters.items():
            statement = statement.where(getattr(model, name) == value)
        return db.session.scalar(statement)


def _send_queue_args(app) -> list[tuple]:
    with app.app_context():
        connection = redis_connection.client
        queue = Queue("send", connection=connection)
        jobs = [Job.fetch(job_id, connection=connection) for job_id in queue.job_ids]
        return [(job.func_name, job.args) for job in jobs]


def _balance(client: ApiClient) -> str:
    return client.get("/balance").json["available"]
