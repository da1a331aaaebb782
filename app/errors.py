"""Errors: the one registry of codes, problem+json (RFC 9457) responses, request ids.

Every error any surface returns is built here. HTML pages get a plain page, API paths and
clients that prefer JSON get `application/problem+json`; nothing leaks a stack trace.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, current_app, g, json, request
from markupsafe import escape
from sqlalchemy import exc as sa_exc
from ulid import ULID
from werkzeug.exceptions import HTTPException

from app.extensions import db


@dataclass(frozen=True)
class ErrorCode:
    code: str
    status: int
    title: str
    description: str


_REGISTRY: dict[str, ErrorCode] = {}


def register(code: str, status: int, title: str, description: str) -> ErrorCode:
    """Add a code to the registry (import time only); codes are stable API."""
    if code in _REGISTRY:
        raise ValueError(f"error code {code} registered twice")
    _REGISTRY[code] = entry = ErrorCode(code, status, title, description)
    return entry


def registry() -> dict[str, ErrorCode]:
    """Every error code, for responses and the docs' errors page."""
    return dict(_REGISTRY)


register("invalid_request", 400, "Invalid request", "The request could not be understood.")
register("invalid_json", 400, "Invalid JSON", "The body is not valid JSON, or not a JSON object.")
register("not_found", 404, "Not found", "No such resource, or it belongs to another partner "
         "or environment.")
register("method_not_allowed", 405, "Method not allowed",
         "The resource exists but does not accept this HTTP method.")
register("payload_too_large", 413, "Payload too large",
         "The body exceeds 1 MiB (10 MiB for `POST /api/v1/messages/batch`).")
register("unsupported_media_type", 415, "Unsupported media type",
         "Send JSON bodies with `Content-Type: application/json`.")
register("internal_error", 500, "Internal error",
         "Something failed on our side. Nothing was changed; retry with the same Idempotency-Key.")
register("service_unavailable", 503, "Service unavailable",
         "A dependency (the database) is unreachable. Nothing was changed; retry after the "
         "number of seconds in `Retry-After` with the same Idempotency-Key.")

# Authentication and access.
register("missing_api_key", 401, "Missing API key",
         "Send your key as `Authorization: Bearer ak_live_...` (or `ak_test_...` for the sandbox).")
register("invalid_api_key", 401, "Invalid API key",
         "The key is malformed, fails its checksum, or does not exist.")
register("revoked_api_key", 401, "Revoked API key",
         "The key was revoked, or the overlap after rolling it has ended. Use a current key.")
register("invalid_signature", 401, "Invalid signature",
         "The callback's signature does not verify with the gateway's credentials.")
register("invalid_token", 401, "Invalid token", "The access token is missing, invalid or expired.")
register("forbidden", 403, "Forbidden", "Your credentials do not allow this action.")
register("rate_limited", 429, "Rate limited",
         "Too many requests. Wait for the number of seconds in `Retry-After`.")
# Idempotency.
register("invalid_idempotency_key", 400, "Invalid Idempotency-Key",
         "An Idempotency-Key is 1 to 255 printable ASCII characters, bare or double-quoted.")
register("idempotency_key_reused", 422, "Idempotency-Key reused",
         "This Idempotency-Key was used with a different request. Use a new key per request.")
register("idempotency_key_in_use", 409, "Idempotency-Key in use",
         "A request with this Idempotency-Key is still being processed. Retry shortly.")
# Validation: the top-level code is the first error's own; `errors` lists them all.
register("unknown_field", 422, "Unknown field", "The body has a field this endpoint does not take.")
register("missing_field", 422, "Missing field", "A required field is missing.")
register("invalid_field", 422, "Invalid field", "A field has the wrong type or format.")
register("invalid_parameter", 400, "Invalid query parameter",
         "A query parameter has the wrong type or format.")
register("invalid_cursor", 400, "Invalid cursor", "The pagination cursor is malformed.")
register("unknown_channel", 422, "Unknown channel", "The channel is not one of the eleven.")
register("invalid_phone_number", 422, "Invalid phone number",
         "The address is not a valid E.164 phone number, such as +15551234567.")
register("invalid_email_address", 422, "Invalid email address", "The address is not valid.")
register("invalid_address", 422, "Invalid address",
         "The recipient id is not valid for the channel.")
register("text_too_long", 422, "Text too long", "The text exceeds the channel's maximum length.")
register("template_not_found", 422, "Template not found",
         "No approved template with this name, language and channel.")
register("missing_template_variables", 422, "Missing template variables",
         "The template needs variables that were not given.")
register("invalid_batch_size", 422, "Invalid batch size",
         "A batch holds 1 to 1,000 messages; send more as several batches.")
register("unverified_sender", 422, "Unverified sender",
         "`from` is not one of your account's verified senders on this channel. Omit it to "
         "send as the gateway's configured sender; senders are verified on request.")
register("unknown_template_variables", 422, "Unknown template variables",
         "Variables were given that the template does not use.")
# State and money.
register("insufficient_funds", 402, "Insufficient funds",
         "The wallet balance is below the message's cost estimate. Nothing was charged.")
register("conflict", 409, "Conflict", "The request conflicts with the current state.")
register("external_id_taken", 409, "External id taken",
         "Another contact in this environment already has this external_id.")
register("identity_taken", 409, "Identity taken",
         "Another contact in this environment already has this channel address.")
register("invalid_webhook_url", 422, "Invalid webhook URL",
         "Webhook URLs use https on port 443 or 8443 and must resolve only to public internet "
         "addresses (no private, loopback, link-local, site-local or metadata addresses); "
         "redirects are not followed.")

_HTTP_CODES = {400: "invalid_request", 404: "not_found", 405: "method_not_allowed",
               413: "payload_too_large", 415: "unsupported_media_type", 500: "internal_error",
               503: "service_unavailable"}


class ApiError(Exception):
    """Raise from any layer to answer with the registered problem for `code`."""

    def __init__(self, code: str, detail: str | None = None, *, param: str | None = None,
                 errors: list[dict] | None = None, headers: dict | None = None,
                 extra: dict | None = None, keep_changes: bool = False):
        if code not in _REGISTRY:
            raise KeyError(f"unregistered error code {code}")
        super().__init__(detail or code)
        self.entry = _REGISTRY[code]
        self.detail = detail or self.entry.description
        self.param = param
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}
        # The writes made before this error must persist although the call fails (a
        # protective change, such as revoking a stolen token's whole family).
        self.keep_changes = keep_changes


def from_http_exception(error: HTTPException) -> ApiError:
    """The registered problem for a werkzeug HTTP error (404, 405, 413, ...)."""
    code = _HTTP_CODES.get(error.code or 500, "internal_error")
    headers = {}
    if error.code == 405 and getattr(error, "valid_methods", None):
        headers["Allow"] = ", ".join(error.valid_methods)
    return ApiError(code, headers=headers)


# SQLite's errors that mean "the database cannot be reached now", not a bug in a query.
_SQLITE_UNAVAILABLE = ("database is locked", "unable to open database", "disk i/o error")
# PostgreSQL SQLSTATE classes of the same: connection exceptions, the server shutting down
# or starting up, out of connections or resources. (No SQLSTATE at all: the client could
# not connect or lost the connection.) A deadlock or serialization failure is not one.
_POSTGRES_UNAVAILABLE = ("08", "57P", "53")


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` says the database is unreachable (down, restarting, locked, timed out)."""
    if isinstance(error, sa_exc.TimeoutError):  # no pooled connection within pool_timeout
        return True
    if not isinstance(error, sa_exc.DBAPIError):
        return False
    if error.connection_invalidated or isinstance(error, sa_exc.InterfaceError):
        return True
    if not isinstance(error, sa_exc.OperationalError):
        return False
    if type(error.orig).__module__.startswith("psycopg"):
        sqlstate = getattr(error.orig, "sqlstate", None)
        return sqlstate is None or sqlstate.startswith(_POSTGRES_UNAVAILABLE)
    return any(text in str(error.orig).lower() for text in _SQLITE_UNAVAILABLE)


# SQLSTATEs of a transaction PostgreSQL aborted so that others could go on: a deadlock, or a
# serialization failure. The transaction did nothing; run again, it normally succeeds.
_POSTGRES_RETRYABLE = ("40P01", "40001")


def is_retryable(error: BaseException) -> bool:
    """Whether the database aborted the transaction for a deadlock or serialization failure
    (PostgreSQL's advice: retry the whole transaction)."""
    return (isinstance(error, sa_exc.OperationalError)
            and getattr(error.orig, "sqlstate", None) in _POSTGRES_RETRYABLE)


def unexpected(error: BaseException) -> ApiError:
    """The problem for an exception no handler expected: 503 for an outage, else 500."""
    if is_unavailable(error):
        retry_after = current_app.config.get("UNAVAILABLE_RETRY_AFTER_SECONDS", 5)
        return ApiError("service_unavailable", "The database is unreachable; retry later.",
                        headers={"Retry-After": str(int(retry_after))})
    return ApiError("internal_error")


def log_unexpected(error: BaseException) -> ApiError:
    """Roll back, log (an outage as one line, a bug with its traceback) and pick the problem."""
    try:
        db.session.rollback()
    except Exception:  # noqa: BLE001 - the connection may be gone; the session is reset anyway
        db.session.remove()
    answer = unexpected(error)
    if answer.entry.status == 503:
        current_app.logger.warning("database unavailable on %s %s (%s): %s", request.method,
                                   request.path, request_id(), type(error).__name__)
    else:
        current_app.logger.error("unhandled error on %s %s (%s)", request.method,
                                 request.path, request_id(), exc_info=error)
    return answer


def type_url(code: str) -> str:
    """The documentation URL describing a code, e.g. `.../errors/insufficient-funds`."""
    return current_app.config["DOCS_PUBLIC_URL"].rstrip("/") + "/errors/" + code.replace("_", "-")


def problem(error: ApiError) -> Response:
    """Render an ApiError as application/problem+json."""
    response = Response(json.dumps(problem_body(error)), status=error.entry.status,
                        mimetype="application/problem+json")
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def problem_body(error: ApiError) -> dict:
    """The problem document of an ApiError, as a dict (also one message's refusal in a batch)."""
    entry = error.entry
    body = {
        "type": type_url(entry.code),
        "title": entry.title,
        "status": entry.status,
        "detail": error.detail,
        "code": entry.code,
        "param": error.param,
        "request_id": request_id(),
    }
    if error.errors:
        body["errors"] = error.errors
    body.update(error.extra)
    return body


def request_id() -> str:
    """The current request's id, `req_<ULID>`, created on first use."""
    if "request_id" not in g:
        g.request_id = f"req_{ULID()}"
    return g.request_id


def wants_problem_json() -> bool:
    """API paths always get problem+json; other pages when the client prefers JSON."""
    if request.path.startswith(("/api/", "/hooks/")) or request.path in ("/healthz",):
        return True
    best = request.accept_mimetypes.best_match(["text/html", "application/json",
                                                "application/problem+json"])
    return best in ("application/json", "application/problem+json")


_HTML = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>{status} {title} · Switchboard</title></head>
<body><main><h1>{title}</h1><p>{detail}</p>
<p><small>Request {request_id}</small></p></main></body></html>"""


def _render(error: ApiError) -> Response:
    if wants_problem_json():
        return problem(error)
    # Plain formatting, not a template: an error page must render even when templating fails.
    html = _HTML.format(status=error.entry.status, title=escape(error.entry.title),
                        detail=escape(error.detail), request_id=escape(request_id()))
    response = Response(html, status=error.entry.status, mimetype="text/html")
    for name, value in error.headers.items():
        response.headers[name] = value
    return response


def init_app(app: Flask) -> None:
    """Install the handlers and the Request-Id header."""

    @app.errorhandler(ApiError)
    def _api_error(error: ApiError):
        return _render(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        if error.code not in _HTTP_CODES:
            return error  # redirects and the like pass through untouched
        return _render(from_http_exception(error))

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        return _render(log_unexpected(error))

    @app.after_request
    def _request_id_header(response: Response):
        response.headers["Request-Id"] = request_id()
        return response
