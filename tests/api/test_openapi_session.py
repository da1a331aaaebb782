"""A realistic /api/v1 session, every request and response validated with `openapi-core`
against the served document: each operation's success, then the errors an integrator meets
(a reused Idempotency-Key, a refused field), each answer a documented problem code of its
operation."""

from __future__ import annotations

import json
import re
import uuid

import pytest
from openapi_core import Config, OpenAPI
from openapi_core.testing import MockRequest, MockResponse
from werkzeug.datastructures import Headers

from app.api.principal import MUTATING
from tests.api import test_schemathesis as fuzz

UNKNOWN_ID = "con_01HNQX2P8Y9R3T4V5W6Z7A8B9C"
# The objects, ids and known-good requests of the property-based test's session.
seeded = fuzz.seeded
_collection, _seeded_id = fuzz._collection, fuzz._seeded_id
# In one session the spare contact is merged away before the deletions: delete another.
GOOD_REQUESTS = {**fuzz.GOOD_REQUESTS, "DELETE /api/v1/contacts/{id}": lambda s: (
    {"id": s["throwaway"]}, None, None)}


class Session:
    """Calls the app and validates each exchange against the document."""

    def __init__(self, client, document: dict):
        self.client = client
        self.document = {**document, "servers": [{"url": "http://localhost"}]}
        self.spec = OpenAPI.from_dict(self.document, config=Config(
            extra_media_type_deserializers={"application/problem+json": json.loads}))
        self.seen: dict[str, set[str]] = {}

    def call(self, method: str, path: str, *, operation: str, valid_request: bool = True,
             **kwargs):
        response = self.client.open(path, method=method, **kwargs)
        sent = response.request
        request = MockRequest("http://localhost", method.lower(), sent.path,
                              args=dict(sent.args), headers=dict(Headers(sent.headers)),
                              data=_body(kwargs), content_type=sent.mimetype or "")
        if valid_request:
            self.spec.validate_request(request)
        self.spec.validate_response(request, MockResponse(
            response.get_data(), response.status_code, headers=dict(response.headers),
            content_type=response.mimetype))
        template_method, template = operation.split(" ", 1)
        documented = self.document["paths"][template][template_method.lower()]
        if response.mimetype == "application/problem+json":
            codes = documented["x-problem-codes"][str(response.status_code)]
            assert response.json["code"] in codes, (operation, response.json)
            self.seen.setdefault(operation, set()).add(response.json["code"])
        else:
            self.seen.setdefault(operation, set()).add(str(response.status_code))
        return response


def _body(kwargs: dict) -> bytes | None:
    if "json" in kwargs:
        return json.dumps(kwargs["json"]).encode()
    data = kwargs.get("data")
    return data.encode() if isinstance(data, str) else data


@pytest.fixture
def session(client):
    return Session(client, client.get("/api/v1/openapi.json").json)


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield method.upper(), path, operation


def _concrete(path: str, parameters: dict) -> str:
    return re.sub(r"\{([a-z_]+)\}", lambda m: parameters[m.group(1)], path)


def test_a_session_through_every_operation_matches_the_document(session, seeded):
    auth = seeded["auth"]
    seeded["throwaway"] = session.client.post("/api/v1/contacts", headers=auth, json={
        "name": "Throwaway", "identities": [{"channel": "email", "address": "t@example.com"}],
    }).json["id"]
    # Changes then deletions last, as a session would: the merge still needs the spare
    # contact, a redelivery the endpoint as it was created.
    for method, path, _operation in sorted(_operations(session.document),
                                           key=lambda op: (op[0] == "DELETE", op[0] == "PATCH")):
        label = f"{method} {path}"
        if label in GOOD_REQUESTS:
            parameters, query, body = GOOD_REQUESTS[label](seeded)
        else:
            names = re.findall(r"\{([a-z_]+)\}", path)
            parameters = {name: _seeded_id(_collection(path), 0) for name in names}
            query, body = None, None
        headers = dict(auth)
        if method in MUTATING:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        kwargs = {"headers": headers, "query_string": query}
        if body is not None:
            kwargs["json"] = body
        url = _concrete(path, parameters)
        response = session.call(method, url, operation=label, **kwargs)
        assert 200 <= response.status_code < 300, (label, response.json)
        if method in MUTATING:  # the same key again: the stored answer, still documented
            replay = session.call(method, url, operation=label, **kwargs)
            assert replay.headers.get("Idempotent-Replayed") == "true" or \
                replay.status_code >= 400, label
    documented = {f"{m} {p}" for m, p, _ in _operations(session.document)}
    assert documented - set(session.seen) == set()


def test_a_reused_key_and_a_refused_field_match_the_document(session, seeded):
    auth, label = seeded["auth"], "POST /api/v1/messages"
    headers = {**auth, "Idempotency-Key": "order-42"}
    first = session.call("POST", "/api/v1/messages", operation=label, headers=headers,
                         json={"channel": "sms", "to": "+15005550006", "text": "One"})
    assert first.status_code == 202
    reused = session.call("POST", "/api/v1/messages", operation=label, headers=headers,
                          json={"channel": "sms", "to": "+15005550006", "text": "Two"})
    assert reused.json["code"] == "idempotency_key_reused"
    invalid = session.call("POST", "/api/v1/messages", operation=label, valid_request=False,
                           headers=auth, json={"channel": "sms", "to": "12345", "text": "x"})
    assert (invalid.json["code"], invalid.json["param"]) == ("invalid_phone_number", "to")
