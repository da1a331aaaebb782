"""Builders shared by the outbound webhook tests: a partner's receiver on pytest-httpserver,
its endpoint, an event that fans out, and the endpoint's delivery log."""

from __future__ import annotations

from collections.abc import Callable

from pytest_httpserver import HTTPServer
from standardwebhooks.webhooks import Webhook
from werkzeug import Request, Response

from app.services import events, tx

ENVELOPE = ["id", "type", "created_at", "environment", "data"]


class Receiver:
    """A partner's endpoint on pytest-httpserver: records requests, answers from a script."""

    def __init__(self, server: HTTPServer, path: str = "/hook"):
        self.url = server.url_for(path)
        self.requests: list[tuple[bytes, dict]] = []
        self.script: list[Response] = []
        self.default = Response("ok", status=200)
        # Set to answer request number n (1-based) yourself, e.g. slowly.
        self.answer: Callable[[int], Response] | None = None
        server.expect_request(path, method="POST").respond_with_handler(self._handle)

    def _handle(self, request: Request) -> Response:
        self.requests.append((request.get_data(), dict(request.headers)))
        if self.answer is not None:
            return self.answer(len(self.requests))
        return self.script.pop(0) if self.script else self.default

    def verified(self, secret: str) -> list[dict]:
        """Every request's envelope, each one verified with the secret."""
        return [Webhook(secret).verify(body, headers) for body, headers in self.requests]


def _endpoint(client, url: str, **fields) -> dict:
    response = client.post("/webhook_endpoints", json={"url": url, **fields})
    assert response.status_code == 201, response.json
    return response.json


def _event(app, partner_id: str, environment: str = "live",
           event_type: str = "conversation.assigned") -> str:
    with app.app_context():
        event = events.record(partner_id, environment, event_type,
                              {"id": "cnv_01HNQX2P8Y9R3T4V5W6Z7A8B9C", "object": "conversation"})
        tx.commit()  # schedules the dispatch
        return event.id


def _log(client, endpoint_id: str) -> list[dict]:
    response = client.get(f"/webhook_endpoints/{endpoint_id}/deliveries")
    assert response.status_code == 200, response.json
    return response.json["data"]
