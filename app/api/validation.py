"""Request parsing: JSON bodies and query strings into pydantic models, errors as problems."""

from __future__ import annotations

from typing import Any

from flask import request
from pydantic import BaseModel, ValidationError

from app.errors import ApiError

NO_BODY = object()


def raw_json_body() -> Any:
    """The parsed JSON body, `NO_BODY` when empty; 415/400 problems otherwise."""
    data = request.get_data(cache=True)
    if not data.strip():
        return NO_BODY
    if request.mimetype not in ("application/json", "application/merge-patch+json") and not (
        request.mimetype.startswith("application/") and request.mimetype.endswith("+json")
    ):
        raise ApiError("unsupported_media_type")
    try:
        return request.get_json(force=True, silent=False, cache=True)
    except Exception:  # noqa: BLE001 - werkzeug raises BadRequest subclasses and ValueErrors
        raise ApiError("invalid_json", "The body is not valid JSON.") from None


def has_body(value: Any) -> bool:
    return value is not NO_BODY


def _errors(exc: ValidationError, where: str) -> list[dict]:
    errors = []
    for error in exc.errors(include_url=False):
        param = ".".join(str(part) for part in error["loc"]) or None
        kind = error["type"]
        if kind == "extra_forbidden":
            code, message = ("unknown_field" if where == "body" else "invalid_parameter",
                             f"Unknown {'field' if where == 'body' else 'parameter'} `{param}`.")
        elif kind == "missing":
            code, message = "missing_field", f"`{param}` is required."
        else:
            code = "invalid_field" if where == "body" else "invalid_parameter"
            message = f"`{param}`: {error['msg']}." if param else error["msg"]
        errors.append({"param": param, "code": code, "message": message})
    return errors


_PRIORITY = {"unknown_field": 0, "invalid_parameter": 0, "missing_field": 1}


def raise_errors(errors: list[dict], where: str = "body") -> None:
    """Raise the problem for a list of field errors; the first one names the top-level code.

    Unknown fields come first: a misspelt field usually also explains a "missing" one.
    """
    errors = sorted(errors, key=lambda e: _PRIORITY.get(e["code"], 2))
    first = errors[0]
    code = first["code"]
    if where == "query" and code == "missing_field":
        code = "invalid_parameter"
    raise ApiError(code, "; ".join(e["message"] for e in errors), param=first["param"],
                   errors=errors)


def parse_body(model: type[BaseModel], raw: Any) -> BaseModel:
    """Validate a JSON body against the endpoint's model (unknown fields are refused)."""
    if raw is NO_BODY:
        raw = {}
    if not isinstance(raw, dict):
        raise ApiError("invalid_json", "The body must be a JSON object.")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise_errors(_errors(exc, "body"))
        raise  # unreachable: raise_errors always raises


def parse_query(model: type[BaseModel]) -> BaseModel:
    """Validate the query string against the endpoint's model."""
    values = {key: request.args.get(key) for key in request.args}
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        raise_errors(_errors(exc, "query"), where="query")
        raise
