"""The admin UI's use of `/api/internal`: the same handlers answer htmx and plain forms.

An endpoint declared with `html=` is presented three ways, from one handler and one pass
through the pipeline (authentication, rate limit, idempotency and audit see the JSON call):

- JSON clients (no `HX-Request`, a JSON body): the JSON answer, unchanged.
- htmx (`HX-Request: true`): the endpoint's HTML fragment. A refusal becomes a small
  alert fragment swapped into the page's `#flash` region (`HX-Retarget`), answered 200 so
  htmx swaps it; the audit row keeps the real status.
- A plain form post (JavaScript off): 303 back to the page named by the form's `next`
  field (same-site paths only), with a refusal flashed on the way.

Forms send the page's CSRF token as `csrf_token` and the form's idempotency key, rendered
with the form, as `idempotency_key`; a field left empty is null, and `variables.<name>`
and `attributes.<key>` fields become objects.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from urllib.parse import urlsplit

from flask import Response, flash, redirect, render_template, request

from app.api.principal import Principal

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
CONTROL_FIELDS = ("csrf_token", "idempotency_key", "next")
# `variables.name` and `attributes.key` fields become objects.
NESTED_FIELDS = ("variables", "attributes")
# Checkbox groups: every checked value, as a list (none checked: an empty list).
LIST_FIELDS = ("event_types",)


def is_form_post() -> bool:
    """Whether the body is an HTML form's (htmx or a plain submit)."""
    return request.mimetype in FORM_TYPES


def wants_html() -> bool:
    """Whether to answer HTML: an htmx request, or a form submitted without JavaScript."""
    return request.headers.get("HX-Request") == "true" or is_form_post()


def form_key() -> str | None:
    """The idempotency key rendered into the form, if any."""
    return request.form.get("idempotency_key") or None


def form_body() -> dict:
    """The form's fields as the JSON body the endpoint's model expects (empty: none)."""
    body: dict = {}
    for name, raw in request.form.items():
        if name in CONTROL_FIELDS:
            continue
        if name in LIST_FIELDS or name.removesuffix("[]") in LIST_FIELDS:
            body[name.removesuffix("[]")] = [v for v in request.form.getlist(name) if v]
            continue
        value = None if raw == "" else raw
        prefix, dot, key = name.partition(".")
        if dot and prefix in NESTED_FIELDS:
            body.setdefault(prefix, {})[key] = value
        else:
            body[name] = value
    return body


def next_url() -> str:
    """Where a plain form post returns to: its `next` field, if it is a same-site path."""
    target = request.form.get("next") or urlsplit(request.referrer or "").path or "/admin/"
    if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
        return "/admin/"
    return target


def present(render: Callable[[Principal, Response], Response], principal: Principal | None,
            response: Response) -> Response:
    """The HTML answer to an htmx request or a plain form post (see the module docstring)."""
    ok = 200 <= response.status_code < 300
    if ok and getattr(render, "answers_plain_posts", False):
        # e.g. a new key: shown in the answer itself, since a redirect would lose it.
        return render(principal, response)
    if request.headers.get("HX-Request") == "true":
        if ok:
            return render(principal, response)
        fragment = render_template("admin/_problem.html", problem=_problem(response))
        return Response(fragment, status=200, headers={
            "HX-Retarget": "#flash", "HX-Reswap": "innerHTML"})
    if not ok:
        flash(_problem(response).get("detail", "That did not work."), "error")
    return redirect(next_url(), code=303)


def _problem(response: Response) -> dict:
    try:
        return json.loads(response.get_data())
    except ValueError:
        return {"title": "Error", "detail": "That did not work."}
