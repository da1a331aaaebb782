"""The agent's phone for the mobile API tests: a bearer-token client, sign-in and audit probes."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditLog
from tests.factories import make_user

PASSWORD = "correct horse battery"


class Mobile:
    """The test client with an agent's access token, for `/api/mobile` paths."""

    def __init__(self, client, tokens: dict):
        self.client = client
        self.tokens = tokens

    def _headers(self, headers, idempotency_key):
        merged = {"Authorization": f"Bearer {self.tokens['access_token']}"}
        if idempotency_key is not None:
            merged["Idempotency-Key"] = idempotency_key
        merged.update(headers or {})
        return merged

    def get(self, path, headers=None):
        return self.client.get("/api/mobile" + path, headers=self._headers(headers, None))

    def post(self, path, json=None, idempotency_key=None, headers=None):
        return self.client.post("/api/mobile" + path, json=json,
                                headers=self._headers(headers, idempotency_key))

    def delete(self, path, idempotency_key=None):
        return self.client.delete("/api/mobile" + path,
                                  headers=self._headers(None, idempotency_key))


def _user(app, partner_id, role="agent", email=None):
    with app.app_context():
        return make_user(role, partner_id, email=email).id


def _sign_in(client, email, environment=None, password=PASSWORD):
    body = {"email": email, "password": password}
    if environment:
        body["environment"] = environment
    return client.post("/api/mobile/auth/token", json=body)


def _audit(app, response):
    with app.app_context():
        return db.session.scalar(select(AuditLog).where(
            AuditLog.request_id == response.headers["Request-Id"]))


def _count(app, model, *where):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where))
