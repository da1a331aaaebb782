"""OpenAPI 3.1, generated from the endpoint declarations and their pydantic models."""

from __future__ import annotations

import re
from collections import defaultdict

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
FOR_BODY = ("invalid_json", "unsupported_media_type", "payload_too_large", "invalid_request",
            "validation_failed", "unknown_field", "missing_field", "invalid_field")
FOR_MUTATING = ("invalid_idempotency_key", "idempotency_key_reused", "idempotency_key_in_use")
FOR_QUERY = ("invalid_parameter",)
FOR_PATH = ("not_found",)


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
                       "description": "Makes the request safe to retry for 24 hours.",
                       "schema": {"type": "string", "minLength": 1, "maxLength": 255,
                                  "pattern": r"^[\x21\x23-\x7e]+$"}})
    return params


def _error_responses(spec: EndpointSpec) -> dict:
    codes = list(ALWAYS) + list(spec.errors)
    if spec.method in MUTATING:
        codes += list(FOR_BODY) + list(FOR_MUTATING)
    if spec.query is not None:
        codes += list(FOR_QUERY)
    if _PATH_PARAM.search(spec.rule):
        codes += list(FOR_PATH)
    by_status: dict[int, list[str]] = defaultdict(list)
    known = registry()
    for code in dict.fromkeys(codes):
        by_status[known[code].status].append(code)
    problem = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
    return {str(status): {"description": "Problem: " + ", ".join(f"`{c}`" for c in found),
                          "content": problem}
            for status, found in sorted(by_status.items())}


def build(surface: Surface, *, title: str, version: str, server_url: str) -> dict:
    """The OpenAPI 3.1 document of one surface."""
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
            operation["requestBody"] = {"required": True, "content": {"application/json": {
                "schema": keys[(spec.body, "validation")]}}}
        success: dict = {"description": "Success"}
        if spec.response is not None:
            success["content"] = {"application/json": {
                "schema": keys[(spec.response, "serialization")]}}
        operation["responses"][str(spec.status)] = success
        operation["responses"].update(_error_responses(spec))
        paths[path][spec.method.lower()] = operation
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version,
                 "description": "Send and receive messages on eleven channels."},
        "servers": [{"url": server_url}],
        "security": [{"bearerAuth": []}],
        "paths": dict(paths),
        "components": {
            "schemas": top.get("$defs", {}),
            "securitySchemes": {"bearerAuth": {
                "type": "http", "scheme": "bearer",
                "description": "`ak_live_...` for production, `ak_test_...` for the sandbox."}},
        },
    }
