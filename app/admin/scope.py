"""Who is looking at an admin page: the signed-in user, their partner and the environment
chosen with the live/sandbox switch; and how a page answers htmx and plain requests."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Response, abort, render_template, request, session
from flask_login import current_user

from app.models import ENVIRONMENTS, User


@dataclass(frozen=True)
class Scope:
    user: User
    partner_id: str
    environment: str

    @property
    def is_admin(self) -> bool:
        return self.user.role == "admin"


def environment() -> str:
    """The environment the session works in (the switch in the top bar); live by default."""
    chosen = session.get("environment", "live")
    return chosen if chosen in ENVIRONMENTS else "live"


def current_scope() -> Scope:
    """The signed-in team member's partner and environment; 403 for operators."""
    user = current_user._get_current_object()
    if user.partner_id is None:
        abort(403, description="The inbox belongs to a partner's team; operators have the "
                               "console.")
    return Scope(user, user.partner_id, environment())


def fragment_or_page(page_template: str, fragment_template: str | None, /,
                     **context) -> Response:
    """The fragment for htmx requests (when there is one), else the whole page."""
    wants_fragment = (fragment_template is not None
                      and request.headers.get("HX-Request") == "true")
    response = Response(render_template(
        fragment_template if wants_fragment else page_template, **context))
    response.headers["Vary"] = "HX-Request"
    return response
