"""The admin UI's own API, `/api/internal`: the same pipeline, session + CSRF authentication.

How the admin pages call it: JSON bodies (htmx `json-enc`), the session cookie, the page's
CSRF token in `X-CSRFToken` (e.g. `hx-headers` on `<body>` from `{{ csrf_token() }}`), and,
on every form that changes something, a hidden per-form key generated when the form is
rendered (a UUID) sent as the `Idempotency-Key` header: a double submit replays the first
answer instead of acting twice (same scope, 24 hours and 409/422 rules as `/api/v1`).

Not exempt from CSRFProtect: a call without the page's token is refused before the view,
and that refusal is answered as a 403 problem (and audited), not Flask-WTF's HTML 400. The
surface checks the token itself too (`session.authenticate_session`), so it stays required
where CSRFProtect is switched off.
"""

from __future__ import annotations

from flask import Blueprint, Flask
from flask_wtf.csrf import CSRFError

from app.api.internal.session import authenticate_session, csrf_refused
from app.api.pipeline import Surface

bp = Blueprint("api_internal", __name__, url_prefix="/api/internal")
surface = Surface("internal", authenticate_session)
bp.register_error_handler(CSRFError, csrf_refused)


def load_routes() -> None:
    """Import the resource modules, which declare their endpoints on `surface`."""
    from app.api.internal import conversations, messages  # noqa: F401


def init_app(app: Flask) -> None:
    """Declare the routes and register the blueprint (CSRF-protected: session cookies)."""
    load_routes()
    app.register_blueprint(bp)
