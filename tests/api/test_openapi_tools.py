"""The OpenAPI documents as an integrator's tools read them: `openapi-spec-validator`,
`openapi-core` (default checks), stable operation ids, typed headers, prefixed id examples,
and the server URL."""

from __future__ import annotations

import re

import pytest
from openapi_core import OpenAPI
from openapi_spec_validator import validate

from app.api import openapi
from app.cli.openapi import document as surface_document
from tests.helpers import set_config

SURFACES = ("v1", "mobile", "internal")
# Operation ids are API: generated clients name their functions after them. Renaming a
# handler renames its operation, so this list changes only on purpose.
OPERATION_IDS = {
    "v1": [
        "list_channels", "get_channel", "create_contact", "list_contacts", "get_contact",
        "update_contact", "delete_contact", "merge_contacts", "list_conversations",
        "get_conversation", "list_conversation_messages", "assign_conversation",
        "close_conversation", "reopen_conversation", "create_endpoint", "list_endpoints",
        "get_endpoint", "update_endpoint", "delete_endpoint", "rotate_secret",
        "list_deliveries", "replay_delivery", "replay_failed", "list_events", "get_event",
        "redeliver_event", "list_gateways", "get_gateway", "send_message", "list_messages",
        "send_messages_batch", "get_message", "create_template", "list_templates",
        "get_template", "delete_template", "get_usage", "get_balance", "list_transactions",
        "get_openapi_document"],
    "mobile": ["issue_token", "refresh_token", "revoke_token", "list_conversations",
               "list_messages", "reply", "register_push_token", "unregister_push_token"],
    "internal": ["edit_contact", "erase_contact", "assign_conversation", "close_conversation",
                 "reopen_conversation", "add_note", "create_key", "revoke_key", "roll_key",
                 "send_and_confirm", "invite", "change_role", "deactivate", "reactivate",
                 "create_template", "delete_template", "create_canned", "edit_canned",
                 "delete_canned", "create_endpoint", "edit_endpoint", "rotate_endpoint_secret",
                 "send_test_event", "replay_delivery", "replay_failed", "start_export"],
}
ID_EXAMPLE = re.compile(r"^([a-z]+)_[0-7][0-9A-HJKMNP-TV-Z]{25}$")


@pytest.fixture(params=SURFACES)
def document(request, app_ctx) -> tuple[str, dict]:
    return request.param, surface_document(request.param)


def _operations(document: dict):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def _walk(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, (*path, index))


def test_openapi_spec_validator_finds_no_error(document):
    validate(document[1])


def test_openapi_core_loads_it_with_its_default_checks(document):
    OpenAPI.from_dict(document[1])


def test_no_default_null_on_a_field_that_refuses_null(document):
    wrong = [".".join(map(str, path)) for path, node in _walk(document[1])
             if isinstance(node, dict) and "default" in node and node["default"] is None
             and not (node.get("type") == "null"
                      or any(o.get("type") == "null" for o in node.get("anyOf", ())))]
    assert wrong == []


def test_optional_update_fields_are_optional_not_nullable(app_ctx):
    schemas = surface_document("v1")["components"]["schemas"]
    for model, field in (("ContactUpdate", "identities"), ("ContactUpdate", "attributes"),
                         ("EndpointUpdate", "url"), ("EndpointUpdate", "event_types"),
                         ("EndpointUpdate", "status")):
        prop = schemas[model]["properties"][field]
        assert "default" not in prop, (model, field)
        assert field not in schemas[model].get("required", [])
        assert "null" not in str(prop.get("type")), (model, field)


def test_operation_ids_are_the_handlers_names_and_pinned(document):
    name, doc = document
    assert [operation["operationId"] for _, _, operation in _operations(doc)] == \
        OPERATION_IDS[name]


def test_id_examples_carry_the_prefix_of_what_they_identify(document):
    wrong = []
    for path, node in _walk(document[1]["components"]["schemas"]):
        if len(path) < 3 or path[-2] != "properties" or not isinstance(node, dict):
            continue
        name = path[-1]
        schema = document[1]["components"]["schemas"][path[0]]
        kind = schema.get("properties", {}).get("object", {}).get("const")
        expected = (openapi.OBJECT_ID_PREFIXES.get(kind) if name == "id"
                    else openapi.FIELD_ID_PREFIXES.get(name))
        for option in (node, *node.get("anyOf", ())):
            typed = re.match(r"\^([a-z]+)_", option.get("pattern", ""))
            for example in option.get("examples", []):
                expected = expected or (typed and typed.group(1))
                found = ID_EXAMPLE.match(str(example))
                if found and found.group(1) != expected:
                    wrong.append(f"{path[0]}.{name}: {example} (expected {expected}_)")
    assert wrong == []


def test_message_examples_name_the_right_objects(app_ctx):
    message = surface_document("v1")["components"]["schemas"]["MessageOut"]["properties"]

    def example(field):
        prop = message[field]
        return next(o["examples"][0] for o in (prop, *prop.get("anyOf", ()))
                    if "examples" in o)

    assert example("id").startswith("msg_")
    assert example("conversation_id").startswith("cnv_")
    assert example("contact_id").startswith("con_")
    assert example("gateway").startswith("gw_")


def test_every_operation_declares_the_headers_its_responses_send(document):
    """Request-Id on every response; RateLimit* wherever the limit ran (not on a 401); the
    Bearer challenge on a bearer surface's 401 (the session surface has none);
    Idempotent-Replayed on a mutating success; Retry-After on 429 (required) and 409."""
    doc = document[1]
    bearer = document[0] != "internal"
    shared = doc["components"]["responses"]
    for path, method, operation in _operations(doc):
        public = operation.get("security") == []
        for status, response in operation["responses"].items():
            response = shared[response["$ref"].rsplit("/", 1)[1]] if "$ref" in response \
                else response
            headers = set(response["headers"])
            assert "Request-Id" in headers
            if status == "401":
                assert ("WWW-Authenticate" in headers) == bearer, (path, headers)
            elif not (public and path.endswith("openapi.json")):
                assert {"RateLimit", "RateLimit-Policy", "X-RateLimit-Limit",
                        "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= headers, (path, status)
            if status in ("429", "409"):
                assert "Retry-After" in headers
            if status.startswith("2") and method in ("post", "patch", "put", "delete"):
                assert "Idempotent-Replayed" in headers, (method, path)


def test_servers_is_the_configured_public_url(app, client, monkeypatch):
    set_config(monkeypatch, app, "APP_PUBLIC_URL", "https://api.partner.example/")
    served = client.get("/api/v1/openapi.json").json
    assert served["servers"] == [{"url": "https://api.partner.example"}]


def test_servers_is_the_request_host_in_development(app, client, monkeypatch):
    set_config(monkeypatch, app, "ENV_NAME", "development")
    served = client.get("/api/v1/openapi.json", base_url="http://192.0.2.7:8123").json
    assert served["servers"] == [{"url": "http://192.0.2.7:8123"}]
    again = client.get("/api/v1/openapi.json", base_url="http://localhost:5001").json
    assert again["servers"] == [{"url": "http://localhost:5001"}]


def test_public_operations_ask_for_no_credentials_and_the_rest_for_their_surfaces(document):
    """Signing in needs no token; the others name how their surface authenticates, and
    document the authenticator's own refusal codes."""
    from app.api import surfaces

    name, doc = document
    surface = {s.name: s for s in surfaces.ALL}[name]
    public = {spec.name for spec in surface.endpoints if spec.public} | {"get_openapi_document"}
    refusals = set(openapi.AUTHENTICATION[name])
    for _, _, operation in _operations(doc):
        if operation["operationId"] in public:
            assert operation["security"] == []
        else:
            assert "security" not in operation
            assert refusals <= set(operation["x-problem-codes"]["401"])
    schemes = doc["components"]["securitySchemes"]
    assert [set(r) for r in doc["security"]] == [set(schemes)]
