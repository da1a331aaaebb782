"""The one request pipeline of every API surface.

authenticate → rate limit → idempotency → validate → handler → audit. Each surface
(`/api/v1`, `/api/mobile`, `/api/internal`) is a `Surface` with its own authenticator;
handlers are declared with `surface.endpoint(...)`, which also records what the OpenAPI
document is generated from, so the spec and the validation cannot disagree.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import Blueprint, Response, current_app, g, json, request
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import HTTPException

from app.api import idempotency, negotiation, ratelimit, validation
from app.api.principal import MUTATING, Principal
from app.database import reads_only
from app.errors import (
    ApiError,
    from_http_exception,
    is_retryable,
    log_unexpected,
    problem,
    request_id,
)
from app.models.base import ID_PATTERN
from app.services import audit, cache_epoch, tx
from app.services import idempotency as stored_responses


@dataclass(frozen=True)
class EndpointSpec:
    """What OpenAPI needs to know about one endpoint."""

    method: str
    rule: str
    summary: str
    tags: tuple[str, ...]
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    response: type[BaseModel] | None
    status: int
    errors: tuple[str, ...]
    description: str = ""
    # Runs after the call's transaction has committed, to complete a fresh 2xx response
    # (e.g. wait for a worker's outcome); never for a replay. Takes and returns the response.
    finish: Callable[[Principal, Response], Response] | None = None
    # Public endpoints (signing in) run before there is a principal: limited per client IP,
    # never stored for idempotent replay (they answer secrets); the handler gets None and
    # sets `g.principal` once it knows who is calling, for the audit row.
    public: bool = False
    headers: tuple[tuple[str, str], ...] = ()
    # The admin UI's presentation of a 2xx answer (the HTML fragment htmx swaps in); with
    # it, forms may post the endpoint without JavaScript too (see app.api.negotiation).
    html: Callable[[Principal, Response], Response] | None = None
    # Fields of the answer that carry a secret shown once (a new key, a signing secret):
    # the stored idempotent response has them emptied, so a replay never shows them again
    # and the secret is never kept in the database.
    secret_fields: tuple[str, ...] = ()
    # The handler's name: the endpoint's Flask name and its OpenAPI operationId.
    name: str = ""
    # Other success statuses the handler may answer with the same body (e.g. 200 beside 201).
    also: tuple[int, ...] = ()


@dataclass
class Surface:
    """One API surface: a name, its blueprint, how it authenticates, and its endpoints.

    `csrf_exempt` surfaces authenticate with bearer tokens, never with a cookie.
    """

    name: str
    bp: Blueprint
    authenticate: Callable[[], Principal]
    csrf_exempt: bool = False
    endpoints: list[EndpointSpec] = field(default_factory=list)

    def endpoint(self, rule: str, method: str, *, summary: str,
                 tags: tuple[str, ...] = (), body: type[BaseModel] | None = None,
                 query: type[BaseModel] | None = None, response: type[BaseModel] | None = None,
                 status: int = 200, errors: tuple[str, ...] = (),
                 finish: Callable[[Principal, Response], Response] | None = None,
                 public: bool = False, headers: dict[str, str] | None = None,
                 html: Callable[[Principal, Response], Response] | None = None,
                 secret_fields: tuple[str, ...] = (), also: tuple[int, ...] = ()):
        """Register `handler(principal, [body], [query], **view_args)` behind the pipeline.

        The handler returns a JSON-able dict (sent with `status`), a `(dict, status)` pair
        or a Response.
        """

        def decorate(handler: Callable) -> Callable:
            spec = EndpointSpec(method, (self.bp.url_prefix or "") + rule, summary, tags, body,
                                query, response, status, errors,
                                (handler.__doc__ or "").strip(), finish, public,
                                tuple((headers or {}).items()), html, secret_fields,
                                handler.__name__, also)
            self.endpoints.append(spec)

            @functools.wraps(handler)
            def view(**view_args):
                return self._run(spec, handler, view_args)

            self.bp.add_url_rule(rule, endpoint=handler.__name__, view_func=view,
                                 methods=[method])
            return handler

        return decorate

    def _run(self, spec: EndpointSpec, handler: Callable, view_args: dict) -> Response:
        started = time.perf_counter()
        principal: Principal | None = None
        key: str | None = None
        lock: idempotency.InFlightLock | None = None
        mutating = request.method in MUTATING
        form = spec.html is not None and negotiation.is_form_post()
        try:
            if spec.public:
                ratelimit.check_client(f"{self.name}:{spec.rule}", request.remote_addr)
            else:
                principal = self._authenticate()
                g.principal = principal
                try:
                    key, lock = _key_and_lock(principal, mutating, form)
                except ApiError as malformed:  # answered once the call has been counted
                    ratelimit.check(principal)
                    raise malformed from None
                # The partner's limit and the key's lock: one round trip.
                taken = ratelimit.check(principal, lock.lock if lock else None)
                if lock is not None:
                    lock.taken(taken)
            if not mutating:
                raw = None
            else:
                raw = ((negotiation.form_body() or validation.NO_BODY) if form
                       else validation.raw_json_body())
            call = functools.partial(_call_handler, spec, handler, principal, raw, view_args)
            if mutating and spec.finish is None:
                call = functools.partial(_audited, call, self.name, key, view_args, started)
            if key and principal.partner_id:
                try:
                    response = _retrying(functools.partial(
                        _idempotent, principal, key, raw, call, spec.secret_fields))
                finally:
                    lock.release()
            elif mutating:
                response = _retrying(functools.partial(_once, call))
            else:
                with reads_only():
                    response = _once(call)
            if (spec.finish is not None and 200 <= response.status_code < 300
                    and "Idempotent-Replayed" not in response.headers):
                response = spec.finish(principal, response)
        except ApiError as error:
            response = problem(error)
        except HTTPException as error:  # e.g. 413 raised while reading the body
            response = problem(from_http_exception(error))
        except Exception as error:  # noqa: BLE001 - a problem (503 on an outage), logged
            response = problem(log_unexpected(error))
        if lock is not None:
            lock.release()  # refused before the call (a body too large): no-op once released
        for name, value in (*g.get("rate_limit_headers", {}).items(), *spec.headers):
            response.headers.setdefault(name, value)
        if g.pop("audited", False):
            pass  # its row committed with the call's effect
        elif response.status_code == 503:
            pass  # the database is unreachable: no audit row can be written (it was logged)
        elif principal is None and (response.status_code == 429 or (
                response.status_code == 401 and not spec.public)):
            # Refused before anyone was identified: one row per client IP and minute, not
            # one per attempt (a flood of bad keys must not flood the audit log). A failed
            # sign-in keeps its own row: the per-IP sign-in limit bounds those.
            audit.record_refused(surface=self.name, method=request.method, path=request.path,
                                 status=response.status_code, request_id=request_id(),
                                 ip=request.remote_addr,
                                 user_agent=request.headers.get("User-Agent"))
        else:
            _audit(self.name, principal or g.get("principal"), key, response, view_args,
                   started)
        if spec.html is not None and negotiation.wants_html():
            return negotiation.present(spec.html, principal, response)
        return response

    def _authenticate(self) -> Principal:
        """The caller, after the per-IP limits; a refused credential counts against the IP."""
        ip = request.remote_addr
        # One round trip: the IP limits, and the epochs that validate the process's caches.
        epochs = cache_epoch.redis_keys()
        values = ratelimit.guard_ip(self.name, ip, read=tuple(epochs.values()))
        cache_epoch.prefetch(dict(zip(epochs, values or [None] * len(epochs), strict=True)))
        try:
            with reads_only():
                principal = self.authenticate()
                tx.end_read()
        except ApiError as refused:
            if refused.entry.status == 401:
                ratelimit.note_refusal(self.name, ip)
            raise
        return principal


def _key_and_lock(principal: Principal, mutating: bool,
                  form: bool) -> tuple[str | None, idempotency.InFlightLock | None]:
    """The call's Idempotency-Key and the lock to take for it (both None without one)."""
    if not mutating or not idempotency.enabled():
        return None, None
    header = request.headers.get("Idempotency-Key")
    key = idempotency.parse_key(header if header is not None or not form
                                else negotiation.form_key())
    if key is None or not principal.partner_id:
        return key, None
    return key, idempotency.InFlightLock(principal, key)


def _call_handler(spec: EndpointSpec, handler: Callable, principal: Principal, raw,
                  view_args: dict) -> Response:
    kwargs = dict(view_args)
    if spec.body is not None:
        kwargs["body"] = validation.parse_body(spec.body, raw)
    elif raw is not None and validation.has_body(raw):
        raise ApiError("invalid_request", "This endpoint takes no request body.")
    if spec.query is not None:
        kwargs["query"] = validation.parse_query(spec.query)
    result = handler(principal, **kwargs)
    if isinstance(result, Response):
        return result
    status = spec.status
    if isinstance(result, tuple):
        result, status = result
    return Response(json.dumps(result), status=status, mimetype="application/json")


def _audited(call: Callable[[], Response], surface: str, key: str | None, view_args: dict,
             started: float) -> Response:
    """Run the call; a 2xx answer's audit row joins the call's own transaction.

    One commit instead of two for every successful write. The row's latency then ends when
    the answer is ready, before the commit. Should the commit fail, the flag is never set
    and the pipeline writes the row of whatever answer went out instead.
    """
    response = call()
    if 200 <= response.status_code < 300:
        _audit(surface, g.get("principal"), key, response, view_args, started, audit.add)
        tx.after_commit(functools.partial(setattr, g, "audited", True))
    return response


# Runs of a write the database aborted for a deadlock or serialization failure, at most.
ATTEMPTS = 3


def _retrying(run: Callable[[], Response]) -> Response:
    """Run a write's transaction again when the database aborted it to break a deadlock
    (or a serialization failure), as PostgreSQL advises: the aborted run changed nothing
    and queued no side effect (`tx` drops them on rollback), so running it again is safe.
    Found by the chaos run: concurrent batch sends and workers' refunds on one wallet."""
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return run()
        except Exception as error:  # noqa: BLE001 - only the retryable ones are caught
            if not is_retryable(error) or attempt == ATTEMPTS:
                raise
            current_app.logger.warning("%s %s: the database aborted the transaction (%s); "
                                       "running it again", request.method, request.path,
                                       getattr(error.orig, "sqlstate", "?"))
    raise AssertionError("unreachable")


def _once(call: Callable[[], Response]) -> Response:
    with tx.unit_of_work():
        return call()


def _idempotent(principal: Principal, key: str, raw, call: Callable[[], Response],
                secret_fields: tuple[str, ...] = ()) -> Response:
    fingerprint = idempotency.fingerprint(
        request, raw if validation.has_body(raw) else None)
    scope = idempotency.scope_of(principal)
    try:
        with tx.unit_of_work():
            stored = stored_responses.find(principal.partner_id, principal.environment,
                                       key, scope)
            if stored is not None:
                return _replay(stored, fingerprint)
            response = call()
            if 200 <= response.status_code < 300:
                body, headers = response.get_data(), dict(response.headers)
                if secret_fields:
                    body = _without_secrets(body, secret_fields)
                    headers["Content-Length"] = str(len(body))
                stored_responses.store(principal.partner_id, principal.environment, key,
                                       fingerprint, response.status_code, headers, body,
                                       scope=scope)
            return response
    except IntegrityError as exc:
        if not _is_idempotency_conflict(exc):
            raise
        # Another request with this key committed first (the lock had expired or Redis
        # was down): ours rolled back whole; answer as a retry of theirs would be.
        stored = stored_responses.find(principal.partner_id, principal.environment,
                                       key, scope)
        if stored is None:
            raise ApiError("idempotency_key_in_use", headers={"Retry-After": "1"}) from None
        return _replay(stored, fingerprint)


def _without_secrets(body: bytes, fields: tuple[str, ...]) -> bytes:
    data = json.loads(body)
    return json.dumps({k: (None if k in fields else v) for k, v in data.items()}).encode()


def _is_idempotency_conflict(exc: IntegrityError) -> bool:
    message = str(exc.orig)
    return "uq_idempotency_scope_key" in message or "idempotency_records." in message


def _replay(stored: stored_responses.StoredResponse, fingerprint: str) -> Response:
    if stored.fingerprint != fingerprint:
        raise ApiError("idempotency_key_reused")
    response = Response(stored.body, status=stored.status_code)
    for name, value in stored.headers.items():
        response.headers[name] = value
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _audit(surface: str, principal: Principal | None, key: str | None, response: Response,
           view_args: dict, started: float, write: Callable = audit.record) -> None:
    object_ids = [v for v in view_args.values() if isinstance(v, str) and ID_PATTERN.match(v)]
    if response.mimetype == "application/json" and response.status_code < 300:
        try:
            body = json.loads(response.get_data())
        except ValueError:
            body = None
        if isinstance(body, dict) and isinstance(body.get("id"), str):
            object_ids.append(body["id"])
    write(
        request_id=request_id(), surface=surface, method=request.method, path=request.path,
        status=response.status_code, actor=principal.actor if principal else None,
        partner_id=principal.partner_id if principal else None,
        environment=principal.environment if principal else None, idempotency_key=key,
        object_ids=sorted(set(object_ids)), ip=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
        latency_ms=int((time.perf_counter() - started) * 1000),
    )
