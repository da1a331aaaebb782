"""OpenAPI 3.1, generated from the endpoint declarations and their pydantic models."""

from __future__ import annotations

import re
from collections import defaultdict

from flask import has_request_context, request
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from app.api.pipeline import MUTATING, EndpointSpec, Surface
from app.api.schemas import Problem
from app.errors import registry

_PATH_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")
ID_SCHEMA = {"type": "string", "pattern": r"^[a-z]+_[0-7][0-9A-HJKMNP-TV-Z]{25}$"}
# Problems any endpoint can answer, whatever it declares.
ALWAYS = ("missing_api_key", "invalid_api_key", "revoked_api_key", "forbidden", "rate_limited",
          "internal_error")
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


def problem_codes(spec: EndpointSpec) -> list[str]:
    """Every problem `code` an endpoint can answer with, in documentation order."""
    codes = list(ALWAYS) + list(spec.errors)
    if spec.method in MUTATING:
        codes += list(FOR_MUTATING)
    if spec.body is not None:
        codes += list(FOR_BODY)
    if spec.query is not None:
        codes += list(FOR_QUERY)
    if _PATH_PARAM.search(spec.rule):
        codes += list(FOR_PATH)
    return list(dict.fromkeys(codes))


def _problem_response(status: int, codes: list[str]) -> dict:
    # The enum makes `code` part of the contract: a response schema check fails on a code
    # the operation does not document.
    schema = {"allOf": [{"$ref": "#/components/schemas/Problem"},
                        {"type": "object", "properties": {"status": {"const": status},
                                                          "code": {"enum": codes}}}]}
    headers = _headers(*_RATE_LIMIT_HEADERS)
    if status == 401:
        headers = _headers("WWW-Authenticate")
    elif status == 429:
        headers = _headers(*_RATE_LIMIT_HEADERS, required=("Retry-After",))
    elif status == 409:
        headers = _headers(*_RATE_LIMIT_HEADERS, "Retry-After")
    return {"description": "Problem: " + ", ".join(f"`{c}`" for c in codes),
            "headers": headers,
            "content": {"application/problem+json": {"schema": schema}}}


def _error_responses(spec: EndpointSpec) -> dict:
    by_status: dict[int, list[str]] = defaultdict(list)
    known = registry()
    for code in problem_codes(spec):
        by_status[known[code].status].append(code)
    return {str(status): _problem_response(status, found)
            for status, found in sorted(by_status.items())}


def _document_operation() -> dict:
    """GET of the document itself: public, so tools can fetch it without a key."""
    return {"operationId": "get_openapi_document", "summary": "Get this OpenAPI document",
            "tags": ["Meta"], "security": [], "parameters": [],
            "responses": {
                "200": {"description": "The OpenAPI 3.1 document of this API.",
                        "headers": _headers(),
                        "content": {"application/json": {"schema": {
                            "type": "object", "required": ["openapi", "info", "paths"]}}}},
                "500": _problem_response(500, ["internal_error"])}}


def build(surface: Surface, *, title: str, version: str, server_url: str,
          document_path: str | None = None) -> dict:
    """The OpenAPI 3.1 document of one surface.

    `document_path` is the URL the document is served at, documented as a public operation;
    by default the path of the current request, when building it to answer one.
    """
    if document_path is None and has_request_context():
        document_path = request.path
    keys, top = models_json_schema(_models(surface.endpoints),
                                   ref_template="#/components/schemas/{model}")
    paths: dict[str, dict] = defaultdict(dict)
    for spec in surface.endpoints:
        path = _PATH_PARAM.sub(r"{\1}", spec.rule)
        operation = {
            "operationId": f"{spec.method.lower()}_{path.strip('/').replace('/', '_')}"
                           .replace("{", "").replace("}", ""),
            "summary": spec.summary,
            "tags": list(spec.tags),
            "parameters": _parameters(spec),
            "responses": {},
        }
        if spec.description:
            operation["description"] = spec.description
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
        operation["responses"][str(spec.status)] = success
        operation["responses"].update(_error_responses(spec))
        paths[path][spec.method.lower()] = operation
    if document_path:
        paths[document_path]["get"] = _document_operation()
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version,
                 "description": "Send and receive messages on eleven channels."},
        "servers": [{"url": server_url}],
        "security": [{"bearerAuth": []}],
        "paths": dict(paths),
        "components": {
            "schemas": top.get("$defs", {}),
            "headers": HEADERS,
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "`ak_live_...` for production, `ak_test_...` for the sandbox."}},
        },
    }
