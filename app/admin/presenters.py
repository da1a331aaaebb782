"""Generic `html=` presenters of the console's `/api/internal` endpoints (see
`app.api.negotiation`): after a change, back to the page the form was on with a notice;
after creating a secret, a page or fragment that shows it once."""

from __future__ import annotations

import json
from collections.abc import Callable

from flask import Response, flash, redirect, render_template, request

from app.api.negotiation import next_url
from app.api.principal import Principal

Presenter = Callable[[Principal, Response], Response]


def back(notice: str | Callable[[dict], str]) -> Presenter:
    """Flash `notice` and return to the form's page: htmx follows `HX-Location` (no full
    reload), a plain form post a 303."""

    def present(_principal: Principal, response: Response) -> Response:
        answer = json.loads(response.get_data() or b"{}")
        flash(notice(answer) if callable(notice) else notice, "ok")
        if request.headers.get("HX-Request") == "true":
            return Response(status=204, headers={"HX-Redirect": next_url()})
        return redirect(next_url(), code=303)

    present.answers_plain_posts = True
    return present


def secret(template: str, context: Callable[[Principal], dict] | None = None) -> Presenter:
    """Render `template` with the answer (which carries a secret shown this once): the
    fragment for htmx, a whole page for a plain post. Never stored, never redirected.
    `context(principal)` adds what else the template shows (e.g. the refreshed list)."""

    def present(principal: Principal, response: Response) -> Response:
        answer = json.loads(response.get_data())
        extra = context(principal) if context is not None else {}
        html = render_template(template, answer=answer, next=next_url(),
                               fragment=request.headers.get("HX-Request") == "true", **extra)
        return Response(html, status=response.status_code,
                        headers={"Cache-Control": "no-store"})

    present.answers_plain_posts = True
    return present
