"""Property-based contract test: every `/api/v1` operation against its own OpenAPI document.

Schemathesis generates valid and invalid requests for every operation of the document and
sends them through the WSGI app (no network) with a funded sandbox key. Any 5xx, any status
the operation does not document, any undocumented content type or header, any body off its
schema (problems included: their `code` must be one the operation documents) and any
schema-violating request that is accepted fails the test.

The document is built at collection time from the same endpoint declarations the app serves
(schemathesis's lazy `from_fixture` loader does not run under pytest 9);
`test_the_tested_document_is_the_served_one` proves the two are identical.

Not enabled: `positive_data_acceptance`. Schema-valid requests are legitimately refused by
rules a JSON Schema cannot express: `/usage` (`from` before `to`, range length per
granularity), `POST /messages` (which fields a channel needs, template variables, E.164)
and opaque `cursor` values that only the server can mint. Instead, one known-good request
per operation must get its documented success status (`test_known_good_request_...`).
"""

from __future__ import annotations

import re

import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from app.api import openapi
from app.api.surfaces import v1 as surface
from app.config import Config
from app.extensions import db
from app.models import Partner
from tests.factories import make_partner, make_user


@schemathesis.check
def problem_code_documented(ctx, response, case):
    """A problem's `code` is one its operation documents for that status (`Problem.code` is a
    plain string in the schema, so generated clients survive a new code; the per-operation
    list is `x-problem-codes`)."""
    if not response.headers.get("Content-Type", [""])[0].startswith("application/problem+json"):
        return None
    method, path = case.method.lower(), case.operation.path
    documented = DOCUMENT["paths"][path][method]["x-problem-codes"]
    code = response.json().get("code")
    assert code in documented.get(str(response.status_code), []), (
        f"{case.method} {path}: {response.status_code} {code} is not documented")
    return None


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_headers_conformance, response_schema_conformance, negative_data_rejection,
          problem_code_documented]
MAX_EXAMPLES = 30
SEED = 20260523
PREFIX = "/api/v1"
DOCUMENT_PATH = PREFIX + "/openapi.json"
PLACEHOLDER_ID = "con_01HNQX2P8Y9R3T4V5W6Z7A8B9C"


def _document() -> dict:
    return openapi.build(surface, title="Switchboard API", version="1.0.0",
                         server_url=Config.APP_PUBLIC_URL, document_path=DOCUMENT_PATH)


DOCUMENT = _document()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=schemathesis.Config.from_dict({
    "seed": SEED,
    "generation": {"max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none",
                   "mode": "all"},
}))
OPERATIONS = [(method.upper(), path) for path, item in DOCUMENT["paths"].items()
              for method in item]
# What the `seeded` fixture created for the running test; read when hypothesis draws.
SEEDED: dict = {}


def _collection(path: str) -> str:
    return path.removeprefix(PREFIX + "/").split("/")[0]


def _seeded_id(collection: str, index: int) -> str:
    ids = SEEDED.get("ids", {}).get(collection) or [PLACEHOLDER_ID]
    return ids[index % len(ids)]


@schema.hook
def before_generate_path_parameters(context, strategy):
    """Mix in the seeded objects' ids, so reads and writes also meet real data."""
    collection = _collection(context.operation.path)
    if collection == "channels":
        return st.one_of(strategy, st.sampled_from(["sms", "whatsapp", "email", "push"])
                         .map(lambda name: {"name": name}))
    # A second id in the path (e.g. `{delivery_id}`) gets a seeded id of its own kind, if any.
    nested = [name for name in re.findall(r"\{([a-z_]+)\}", context.operation.path)
              if name != "id"]
    return st.one_of(strategy, st.integers(0, 3).map(
        lambda index: {"id": _seeded_id(collection, index),
                       **{name: _seeded_id(name, index) for name in nested}}))


@pytest.fixture
def seeded(app, client):
    """A sandbox partner with play money, no practical rate limit, and data to read."""
    with app.app_context():
        provisioned = make_partner(name="Schemathesis", balance="0", sandbox_balance="100000")
        db.session.get(Partner, provisioned.partner_id).rate_limit_sandbox = 1_000_000
        db.session.commit()
        agent_id = make_user("agent", partner_id=provisioned.partner_id).id
    auth = {"Authorization": f"Bearer {provisioned.test_key}"}

    def post(path: str, body: dict | None = None) -> dict:
        response = client.post(PREFIX + path, json=body, headers=auth)
        assert response.status_code in (200, 201, 202), response.json
        return response.json

    template = post("/templates", {"name": "order_confirmation", "language": "en",
                                   "body": "Hi {{name}}, order {{order_id}} is on its way."})
    contact = post("/contacts", {"name": "Nayeem", "external_id": "crm-42",
                                 "identities": [{"channel": "sms", "address": "+15005550006"}],
                                 "attributes": {"tier": "gold"}})
    spare = post("/contacts", {"name": "Spare", "identities": [
        {"channel": "email", "address": "spare@example.com"}]})
    sms = post("/messages", {"channel": "sms", "to": "+15005550006", "text": "Hello"})
    whatsapp = post("/messages", {"channel": "whatsapp", "to": "+15005550009",
                                  "template": "order_confirmation", "language": "en",
                                  "variables": {"name": "Nayeem", "order_id": "42"}})
    closed = post(f"/conversations/{whatsapp['conversation_id']}/close")
    gateways = client.get(PREFIX + "/gateways?limit=100", headers=auth).json["data"]
    SEEDED.update(auth=auth, agent_id=agent_id, spare=spare["id"], contact=contact["id"],
                  closed=closed["id"], open=sms["conversation_id"], ids={
                      "templates": [template["id"]],
                      "contacts": [contact["id"], spare["id"], whatsapp["contact_id"]],
                      "messages": [sms["id"], whatsapp["id"]],
                      "conversations": [sms["conversation_id"], whatsapp["conversation_id"]],
                      "gateways": [gateway["id"] for gateway in gateways]})
    yield SEEDED
    SEEDED.clear()


def test_the_tested_document_is_the_served_one(client):
    assert client.get(DOCUMENT_PATH).json == DOCUMENT


@schema.parametrize()
@hypothesis.settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                     suppress_health_check=list(hypothesis.HealthCheck))
@pytest.mark.slow
def test_every_operation_honours_its_documented_contract(case, app, seeded):
    case.call_and_validate(app=app, headers=seeded["auth"], checks=CHECKS)


# --- one known-good request per operation ------------------------------------------------

SEND = {"channel": "sms", "to": "+15005550006", "text": "Your code is 123456"}


# --- webhooks: known-good requests for the webhook and event operations ---------------------
def _webhooks(s: dict) -> dict:
    """Webhook objects of the seeded partner, made once per test.

    A row only gets the seeded dict, so they are made through a second app instance on the
    session's database and Redis (as tests/jobs/test_crash_recovery.py does).
    """
    if "webhooks" not in s:
        from app import create_app
        from app.models import Event, WebhookDelivery, WebhookEndpoint
        from app.services import events, tx
        from app.services.tenancy import keys
        from app.services.webhooks import delivery as webhook_delivery

        other = create_app({"ENV_NAME": "testing"})
        client = other.test_client()

        def endpoint() -> str:
            response = client.post(PREFIX + "/webhook_endpoints", headers=s["auth"],
                                   json={"url": "https://93.184.215.14/hooks"})
            assert response.status_code == 201, response.json
            return response.json["id"]

        made = {"endpoint": endpoint(), "spare": endpoint()}
        with other.app_context():
            principal = keys.authenticate(s["auth"]["Authorization"].removeprefix("Bearer "))
            event = events.record(principal.partner_id, "sandbox", "conversation.assigned",
                                  {"id": s["open"], "object": "conversation"})
            tx.commit()
            [delivery_id] = webhook_delivery.create_deliveries(
                db.session.get(Event, event.id),
                [db.session.get(WebhookEndpoint, made["endpoint"])])
            db.session.get(WebhookDelivery, delivery_id).status = "failed"
            tx.commit()
            made.update(event=event.id, delivery=delivery_id)
        s["webhooks"] = made
    return s["webhooks"]


WEBHOOK_REQUESTS = {
    "POST /api/v1/webhook_endpoints": lambda s: ({}, None, {
        "url": "https://93.184.215.14/hooks/orders", "description": "Orders",
        "event_types": ["message.delivered", "message.failed"]}),
    "GET /api/v1/webhook_endpoints/{id}": lambda s: ({"id": _webhooks(s)["endpoint"]}, None,
                                                     None),
    "PATCH /api/v1/webhook_endpoints/{id}": lambda s: ({"id": _webhooks(s)["endpoint"]}, None,
                                                       {"description": None,
                                                        "event_types": ["message.read"]}),
    "DELETE /api/v1/webhook_endpoints/{id}": lambda s: ({"id": _webhooks(s)["spare"]}, None,
                                                        None),
    "POST /api/v1/webhook_endpoints/{id}/rotate_secret": lambda s: (
        {"id": _webhooks(s)["endpoint"]}, None, {"expires_in_hours": 1.5}),
    "GET /api/v1/webhook_endpoints/{id}/deliveries": lambda s: (
        {"id": _webhooks(s)["endpoint"]}, {"status": "failed"}, None),
    "POST /api/v1/webhook_endpoints/{id}/deliveries/{delivery_id}/replay": lambda s: (
        {"id": _webhooks(s)["endpoint"], "delivery_id": _webhooks(s)["delivery"]}, None, None),
    "POST /api/v1/webhook_endpoints/{id}/replay": lambda s: (
        {"id": _webhooks(s)["endpoint"]}, None, {"since": "2020-01-01T00:00:00+02:00"}),
    "GET /api/v1/events": lambda s: ({}, {"type": "message.sent",
                                          "created_gte": "2020-01-01T00:00:00Z"}, None),
    "GET /api/v1/events/{id}": lambda s: ({"id": _webhooks(s)["event"]}, None, None),
    "POST /api/v1/events/{id}/redeliver": lambda s: (
        {"id": _webhooks(s)["event"]}, None, {"endpoint_id": _webhooks(s)["endpoint"]}),
}
# --- end webhooks
# (path parameters, query, body) by operation, from the seeded data. An operation missing
# here is sent with the seeded ids of its collection, no query and an empty body; if that is
# not a success, the test fails until a request is added.
GOOD_REQUESTS = {
    "GET /api/v1/channels/{name}": lambda s: ({"name": "whatsapp"}, None, None),
    "POST /api/v1/contacts": lambda s: ({}, None, {
        "name": "Ada", "external_id": "crm-7", "attributes": {"vip": True, "orders": 3},
        "identities": [{"channel": "email", "address": "ada@example.com"},
                       {"channel": "telegram", "address": 123456789}]}),
    "GET /api/v1/contacts": lambda s: ({}, {"channel": "sms", "address": "+15005550006"},
                                       None),
    "PATCH /api/v1/contacts/{id}": lambda s: ({"id": s["contact"]}, None, {
        "name": "Renamed", "attributes": {"tier": None, "orders": 2.5}}),
    "DELETE /api/v1/contacts/{id}": lambda s: ({"id": s["spare"]}, None, None),
    "POST /api/v1/contacts/{id}/merge": lambda s: ({"id": s["contact"]}, None,
                                                   {"other_id": s["spare"]}),
    "POST /api/v1/messages": lambda s: ({}, None, SEND),
    "POST /api/v1/messages/batch": lambda s: ({}, None, {"messages": [
        SEND, {**SEND, "to": "12345"}]}),
    "GET /api/v1/messages": lambda s: ({}, {"channel": "sms", "direction": "outbound",
                                            "created_gte": "2020-01-01T00:00:00Z"}, None),
    "GET /api/v1/conversations": lambda s: ({}, {"status": "open", "assignee_id": "none"},
                                            None),
    "GET /api/v1/conversations/{id}/messages": lambda s: ({"id": s["open"]}, {"order": "asc"},
                                                          None),
    "POST /api/v1/conversations/{id}/assign": lambda s: ({"id": s["open"]}, None,
                                                         {"agent_id": s["agent_id"]}),
    "POST /api/v1/conversations/{id}/close": lambda s: ({"id": s["open"]}, None, None),
    "POST /api/v1/conversations/{id}/reopen": lambda s: ({"id": s["closed"]}, None, None),
    "POST /api/v1/templates": lambda s: ({}, None, {
        "name": "shipping_update", "language": "pt-BR", "body": "Olá {{name}}"}),
    "GET /api/v1/templates": lambda s: ({}, {"channel": "whatsapp", "language": "en"}, None),
    "GET /api/v1/usage": lambda s: ({}, {"granularity": "hour", "group_by": "status"}, None),
    "GET /api/v1/wallet/transactions": lambda s: ({}, {"type": "debit"}, None),
    **WEBHOOK_REQUESTS,  # webhooks
}


@pytest.mark.parametrize("label", [f"{method} {path}" for method, path in OPERATIONS])
def test_known_good_request_gets_its_documented_success(label, app, seeded):
    method, path = label.split(" ", 1)
    operation = schema[path][method]
    success = [int(s) for s in DOCUMENT["paths"][path][method.lower()]["responses"]
               if s.startswith("2")]
    if label in GOOD_REQUESTS:
        path_parameters, query, body = GOOD_REQUESTS[label](seeded)
    else:
        names = [p["name"] for p in operation.definition.raw.get("parameters", [])
                 if p["in"] == "path"]
        path_parameters = {name: _seeded_id(_collection(path), 0) for name in names}
        query, body = None, None
    kwargs = {"body": body} if body is not None else {}
    case = operation.Case(path_parameters=path_parameters, query=query, **kwargs)
    response = case.call_and_validate(app=app, headers=seeded["auth"], checks=CHECKS)
    assert response.status_code in success, (
        f"{label} answered {response.status_code} {response.text[:300]}; "
        "give it a known-good request in GOOD_REQUESTS")


# --- responses in every state the delivery engine leaves objects in ----------------------

MAGIC_SENDS = [
    {"channel": "sms", "to": "+15005550001", "text": "permanent failure"},
    {"channel": "sms", "to": "+15005550003", "text": "one transient failure"},
    {"channel": "sms", "to": "+15005550004", "text": "never delivered"},
    {"channel": "rcs", "to": "+15005550005", "text": "falls back to SMS"},
    {"channel": "email", "to": "bounce@sandbox.switchboard.example", "subject": "Hi",
     "text": "bounces", "html": "<p>bounces</p>"},
    {"channel": "email", "to": "reply@sandbox.switchboard.example", "subject": "Hi",
     "text": "gets a reply"},
    {"channel": "push", "to": "fcm-registration-token-123", "title": "Hi", "text": "push"},
    {"channel": "telegram", "to": 123456789, "text": "an integer chat id"},
]


@pytest.mark.slow
def test_every_read_conforms_in_every_delivery_state(app, client, seeded):
    """After the worker has delivered, failed, bounced, refunded and received replies."""
    from jobs.worker import run_worker

    for payload in MAGIC_SENDS:
        response = client.post(PREFIX + "/messages", json=payload, headers=seeded["auth"])
        assert response.status_code == 202, response.json
    run_worker(app, list(app.config["RQ_QUEUES"]), burst=True)

    listed: dict[str, list[dict]] = {}
    for method, path in OPERATIONS:
        if method != "GET" or "{" in path:
            continue
        names = {p["name"] for p in DOCUMENT["paths"][path]["get"]["parameters"]}
        case = schema[path][method].Case(query={"limit": 100} if "limit" in names else None)
        response = case.call_and_validate(app=app, headers=seeded["auth"], checks=CHECKS)
        assert response.status_code == 200, (path, response.text[:300])
        listed[path] = response.json().get("data", [])
    for method, path in OPERATIONS:
        if method != "GET" or "{id}" not in path:
            continue
        for item in listed[PREFIX + "/" + _collection(path)]:
            case = schema[path][method].Case(path_parameters={"id": item["id"]})
            response = case.call_and_validate(app=app, headers=seeded["auth"], checks=CHECKS)
            assert response.status_code == 200, (path, response.text[:300])

    messages = listed[PREFIX + "/messages"]
    assert {"delivered", "failed", "bounced"} <= {m["status"] for m in messages}
    assert "inbound" in {m["direction"] for m in messages}
    assert {"debit", "refund"} <= {t["type"] for t in listed[PREFIX + "/wallet/transactions"]}
