"""OpenAPI 3.1, generated from the endpoint declarations and their pydantic models."""

from __future__ import annotations

import re
from collections import defaultdict
from http import HTTPStatus

from flask import current_app, has_app_context, has_request_context, request
from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from app.api.pipeline import MUTATING, EndpointSpec, Surface
from app.api.schemas import Problem
from app.config import Config
from app.errors import registry, type_url

_PATH_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
ID_SCHEMA = {"type": "string", "pattern": r"^[a-z]+_[0-7][0-9A-HJKMNP-TV-Z]{25}$"}
# Problems any endpoint can answer, whatever it declares.
ALWAYS = ("forbidden", "rate_limited", "internal_error")
# What each surface's authenticator refuses a caller with (app/api/authn/); public
# operations (signing in) run no authenticator.
AUTHENTICATION = {"v1": ("missing_api_key", "invalid_api_key", "revoked_api_key"),
                  "mobile": ("invalid_token",), "internal": ("invalid_token",)}
# Every mutating call reads its body (an endpoint without a body model refuses one with
# `invalid_request`); only a body model's fields can be unknown, missing or invalid.
FOR_MUTATING = ("invalid_json", "unsupported_media_type", "payload_too_large", "invalid_request",
                "invalid_idempotency_key", "idempotency_key_reused", "idempotency_key_in_use")
# (No `validation_failed`: validation answers with the first field error's own code.)
FOR_BODY = ("unknown_field", "missing_field", "invalid_field")
FOR_QUERY = ("invalid_parameter",)
FOR_PATH = ("not_found",)

# What app/api/idempotency.py accepts: a key, bare or in double quotes (RFC 8941 string).
IDEMPOTENCY_KEY_SCHEMA = {"type": "string", "minLength": 1, "maxLength": 257,
                          "pattern": r'^(?:[\x21\x23-\x7e]{1,255}|"[\x21\x23-\x7e]{1,255}")$'}
_INTEGER = {"type": "string", "pattern": r"^\d+$"}
# Response headers, in `components.headers`; the pipeline sets them (app/api/ratelimit.py,
# app/errors.py). Rate-limit headers are absent when authentication fails or Redis is down.
HEADERS = {
    "Request-Id": {"description": "This request's id; quote it when you contact support.",
                   "required": True,
                   "schema": {"type": "string", "pattern": r"^req_[0-7][0-9A-HJKMNP-TV-Z]{25}$"}},
    "RateLimit-Policy": {"description": "Your quota: requests per window of `w` seconds.",
                         "schema": {"type": "string", "pattern": r"^\d+;w=\d+$"}},
    "RateLimit": {"description": "The current window (IETF httpapi draft syntax).",
                  "schema": {"type": "string",
                             "pattern": r"^limit=\d+, remaining=\d+, reset=\d+$"}},
    "X-RateLimit-Limit": {"description": "Requests allowed per minute.", "schema": _INTEGER},
    "X-RateLimit-Remaining": {"description": "Requests left in this window.",
                              "schema": _INTEGER},
    "X-RateLimit-Reset": {"description": "When the window resets, as a Unix time.",
                          "schema": _INTEGER},
    "Retry-After": {"description": "Seconds to wait before retrying.", "schema": _INTEGER},
    "Idempotent-Replayed": {"description": "`true` when this is the stored response of an "
                                           "earlier request with the same Idempotency-Key.",
                            "schema": {"type": "string", "enum": ["true"]}},
    "WWW-Authenticate": {"description": "The Bearer challenge.", "required": True,
                         "schema": {"type": "string", "pattern": "^Bearer "}},
}
_RATE_LIMIT_HEADERS = ("RateLimit-Policy", "RateLimit", "X-RateLimit-Limit",
                       "X-RateLimit-Remaining", "X-RateLimit-Reset")


# How each surface's callers prove who they are: (`security`, `securitySchemes`).
SECURITY = {
    "v1": ([{"bearerAuth": []}], {"bearerAuth": {
        "type": "http", "scheme": "bearer",
        "description": "`ak_live_...` for production, `ak_test_...` for the sandbox."}}),
    "mobile": ([{"bearerAuth": []}], {"bearerAuth": {
        "type": "http", "scheme": "bearer",
        "description": "The access token (`mat_...`) that signing in or refreshing answers."}}),
    # The admin UI's own calls: its session cookie (Flask's default name) plus the page's
    # CSRF token in `X-CSRFToken`.
    "internal": ([{"sessionCookie": [], "csrfToken": []}], {
        "sessionCookie": {"type": "apiKey", "in": "cookie", "name": "session",
                          "description": "The admin UI's session, set by signing in."},
        "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRFToken",
                      "description": "The CSRF token of the admin page making the call."}}),
}


def _headers(*names: str, required: tuple[str, ...] = ()) -> dict:
    refs = {name: {"$ref": f"#/components/headers/{name}"} for name in ("Request-Id", *names)}
    for name in required:  # a header optional elsewhere that this response always carries
        refs[name] = {**HEADERS[name], "required": True}
    return refs


def _models(specs: list[EndpointSpec]) -> list[tuple[type[BaseModel], str]]:
    seen: dict[tuple[type[BaseModel], str], None] = {(Problem, "serialization"): None}
    for spec in specs:
        if spec.body is not None:
            seen[(spec.body, "validation")] = None
        if spec.response is not None:
            seen[(spec.response, "serialization")] = None
    return list(seen)


def _parameters(spec: EndpointSpec) -> list[dict]:
    params = [{"name": name, "in": "path", "required": True,
               "schema": ID_SCHEMA if name == "id" or name.endswith("_id") else
               {"type": "string"}} for name in _PATH_PARAM.findall(spec.rule)]
    if spec.query is not None:
        schema = spec.query.model_json_schema()
        required = set(schema.get("required", []))
        for name, prop in schema.get("properties", {}).items():
            prop = dict(prop)
            description = prop.pop("description", None)
            prop.pop("title", None)
            param = {"name": name, "in": "query", "required": name in required,
                     "schema": prop}
            if description:
                param["description"] = description
            params.append(param)
    if spec.method in MUTATING:
        params.append({"name": "Idempotency-Key", "in": "header", "required": False,
                       "description": "Makes the request safe to retry for 24 hours: 1 to "
                                      "255 printable ASCII characters, bare or "
                                      "double-quoted.",
                       "schema": IDEMPOTENCY_KEY_SCHEMA})
    return params


def problem_codes(spec: EndpointSpec, surface: str = "v1") -> list[str]:
    """Every problem `code` an endpoint of a surface can answer with, in documentation order."""
    codes = ([] if spec.public else list(AUTHENTICATION[surface])) + list(ALWAYS)
    codes += list(spec.errors)
    if spec.method in MUTATING:
        codes += list(FOR_MUTATING)
    if spec.body is not None:
        codes += list(FOR_BODY)
    if spec.query is not None:
        codes += list(FOR_QUERY)
    if _PATH_PARAM.search(spec.rule):
        codes += list(FOR_PATH)
    return list(dict.fromkeys(codes))


def response_name(status: int) -> str:
    """The `components/responses` entry of a problem status: `NotFound`, `TooManyRequests`."""
    return HTTPStatus(status).phrase.title().replace(" ", "").replace("-", "")


def _problem_response(status: int, codes: list[str]) -> dict:
    """The shared response of one problem status; `codes` are every code the surface
    answers with it (an operation's own subset is in its reference's description and in
    its `x-problem-codes`). `code` stays a string in the schema, so a client generated from
    this document keeps parsing problems when a code is added."""
    headers = _headers(*_RATE_LIMIT_HEADERS)
    if status == 401:
        headers = _headers("WWW-Authenticate")
    elif status == 429:
        headers = _headers(*_RATE_LIMIT_HEADERS, required=("Retry-After",))
    elif status == 409:
        headers = _headers(*_RATE_LIMIT_HEADERS, "Retry-After")
    return {"description": _codes_description(codes), "headers": headers,
            "content": {"application/problem+json": {
                "schema": {"$ref": "#/components/schemas/Problem"},
                "examples": {code: {"summary": registry()[code].title,
                                    "value": _problem_example(code)} for code in codes}}}}


def _codes_description(codes: list[str]) -> str:
    return "Problem: " + ", ".join(f"`{c}`" for c in codes)


def _problem_example(code: str) -> dict:
    entry = registry()[code]
    docs = Config.DOCS_PUBLIC_URL.rstrip("/") + "/errors/" + code.replace("_", "-")
    return {"type": type_url(code) if has_app_context() else docs,
            "title": entry.title, "status": entry.status, "detail": entry.description,
            "code": code, "param": None, "request_id": "req_01HNQX2P8Y9R3T4V5W6Z7A8B9C"}


def _codes_by_status(spec: EndpointSpec, surface: str) -> dict[int, list[str]]:
    by_status: dict[int, list[str]] = defaultdict(list)
    known = registry()
    for code in problem_codes(spec, surface):
        by_status[known[code].status].append(code)
    return dict(sorted(by_status.items()))


def _error_responses(by_status: dict[int, list[str]]) -> dict:
    return {str(status): {"$ref": f"#/components/responses/{response_name(status)}",
                          "description": _codes_description(codes)}
            for status, codes in by_status.items()}


class _Schemas(GenerateJsonSchema):
    """Pydantic's JSON Schema, minus `default: null` on fields that do not accept null: such
    a field is simply optional (omit it), and generators must not type it as nullable."""

    def default_schema(self, schema):
        result = super().default_schema(schema)
        if result.get("default", ...) is None and not _accepts_null(result):
            del result["default"]
        return result


def _accepts_null(schema: dict) -> bool:
    if schema.get("type") == "null" or "null" in (schema.get("type") or []):
        return True
    return any(_accepts_null(option) for option in schema.get("anyOf", ()))


# The prefix of the ids a property holds, for the examples (DESIGN.md, section 5): by the
# object a schema describes (its `object` constant) for `id`, by the property's name otherwise.
OBJECT_ID_PREFIXES = {
    "message": "msg", "contact": "con", "conversation": "cnv", "event": "evt",
    "gateway": "gw", "template": "tpl", "wallet_transaction": "txn",
    "webhook_endpoint": "we", "webhook_attempt": "wha", "webhook_delivery": "whd",
    "user": "usr", "push_token": "ptk", "note": "act",
}
FIELD_ID_PREFIXES = {
    "contact_id": "con", "other_id": "con", "conversation_id": "cnv", "message_id": "msg",
    "fallback_of": "msg", "event_id": "evt", "endpoint_id": "we", "delivery_id": "whd",
    "gateway": "gw", "gateway_id": "gw", "partner_id": "ptr", "template_id": "tpl",
    "user_id": "usr", "assignee_id": "usr", "author_id": "usr", "actor_id": "usr",
    "agent_id": "usr",
}
_EXAMPLE_ULID = "01HNQX2P8Y9R3T4V5W6Z7A8B9C"


def _id_examples(schema: dict) -> None:
    """Give every id property an example with the prefix of what it identifies."""
    properties = schema.get("properties", {})
    kind = properties.get("object", {}).get("const")
    for name, prop in properties.items():
        prefix = OBJECT_ID_PREFIXES.get(kind) if name == "id" else FIELD_ID_PREFIXES.get(name)
        if prefix is None:
            continue
        for option in (prop, *prop.get("anyOf", ())):
            if "examples" in option and option.get("type") == "string":
                option["examples"] = [f"{prefix}_{_EXAMPLE_ULID}"]


def public_url() -> str:
    """The API's base URL: APP_PUBLIC_URL; in development, the host that was asked."""
    if has_request_context() and current_app.config.get("ENV_NAME") == "development":
        return request.host_url.rstrip("/")
    return current_app.config["APP_PUBLIC_URL"].rstrip("/")


def _document_operation() -> dict:
    """GET of the document itself: public, so tools can fetch it without a key."""
    return {"operationId": "get_openapi_document", "summary": "Get this OpenAPI document",
            "tags": ["Meta"], "security": [], "parameters": [],
            "responses": {
                "200": {"description": "The OpenAPI 3.1 document of this API.",
                        "headers": _headers(),
                        "content": {"application/json": {"schema": {
                            "type": "object", "required": ["openapi", "info", "paths"]}}}},
                "500": {"$ref": f"#/components/responses/{response_name(500)}",
                        "description": _codes_description(["internal_error"])}},
            "x-problem-codes": {"500": ["internal_error"]}}


def build(surface: Surface, *, title: str, version: str, server_url: str | None = None,
          document_path: str | None = None) -> dict:
    """The OpenAPI 3.1 document of one surface.

    `document_path` is the URL the document is served at, documented as a public operation;
    by default the path of the current request, when building it to answer one.
    `server_url` defaults to the app's APP_PUBLIC_URL (the request's host in development).
    """
    if document_path is None and has_request_context():
        document_path = request.path
    keys, top = models_json_schema(_models(surface.endpoints),
                                   ref_template="#/components/schemas/{model}",
                                   schema_generator=_Schemas)
    schemas = top.get("$defs", {})
    for schema in schemas.values():
        _id_examples(schema)
    problems: dict[int, list[str]] = defaultdict(list)
    paths: dict[str, dict] = defaultdict(dict)
    for spec in surface.endpoints:
        path = _PATH_PARAM.sub(r"{\1}", spec.rule)
        operation = {
            "operationId": spec.name,
            "summary": spec.summary,
            "tags": list(spec.tags),
            "parameters": _parameters(spec),
            "responses": {},
        }
        if spec.description:
            operation["description"] = spec.description
        if spec.public:  # signing in: no bearer token yet
            operation["security"] = []
        if spec.body is not None:
            # An empty body is read as `{}`, so it is only required when a field is.
            required = any(f.is_required() for f in spec.body.model_fields.values())
            operation["requestBody"] = {"required": required, "content": {"application/json": {
                "schema": keys[(spec.body, "validation")]}}}
        replayable = ("Idempotent-Replayed",) if spec.method in MUTATING else ()
        success: dict = {"description": "Success",
                         "headers": _headers(*_RATE_LIMIT_HEADERS, *replayable)}
        if spec.response is not None:
            success["content"] = {"application/json": {
                "schema": keys[(spec.response, "serialization")]}}
        for status in (spec.status, *spec.also):
            operation["responses"][str(status)] = success
        by_status = _codes_by_status(spec, surface.name)
        operation["responses"].update(_error_responses(by_status))
        operation["x-problem-codes"] = {str(status): codes for status, codes
                                        in by_status.items()}
        for status, codes in by_status.items():
            problems[status].extend(c for c in codes if c not in problems[status])
        paths[path][spec.method.lower()] = operation
    if document_path:
        paths[document_path]["get"] = _document_operation()
        problems[500].extend([] if "internal_error" in problems[500] else ["internal_error"])
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version,
                 "description": "Send and receive messages on eleven channels."},
        "servers": [{"url": server_url or public_url()}],
        "security": SECURITY[surface.name][0],
        "paths": dict(paths),
        "components": {
            "schemas": schemas,
            "responses": {response_name(status): _problem_response(status, codes)
                          for status, codes in sorted(problems.items())},
            "headers": HEADERS,
            "securitySchemes": SECURITY[surface.name][1],
        },
    }
