"""The three API surfaces: each owns its blueprint and authenticator, and every route of it
is declared on it (`@surface.endpoint(...)`), so all of them pass the one pipeline.

- `v1`: the partner REST API; bearer access keys, so exempt from CSRF.
- `mobile`: the agents' app; bearer access tokens, so exempt from CSRF.
- `internal`: the admin UI's own calls; the session cookie plus the page's CSRF token. A
  call without the token is refused before the view, and that refusal is answered as a 403
  problem (and audited), not Flask-WTF's HTML 400. How the admin pages call it: JSON bodies,
  the session cookie, the token in `X-CSRFToken`, and on every form that changes something a
  hidden per-form key rendered with the form, sent as `Idempotency-Key`, so a double submit
  replays the first answer instead of acting twice (same rules as `/api/v1`).
- `operator`: `/api/internal/operator/...`, the operator console's calls, authenticated like
  `internal` but for platform operators only.
"""

from __future__ import annotations

from flask import Blueprint
from flask_wtf.csrf import CSRFError

from app.api.authn.keys import authenticate_api_key
from app.api.authn.session import authenticate_operator, authenticate_session, csrf_refused
from app.api.authn.tokens import authenticate_mobile_token
from app.api.pipeline import Surface

v1 = Surface("v1", Blueprint("api_v1", __name__, url_prefix="/api/v1"), authenticate_api_key,
             csrf_exempt=True)
mobile = Surface("mobile", Blueprint("api_mobile", __name__, url_prefix="/api/mobile"),
                 authenticate_mobile_token, csrf_exempt=True)
internal = Surface("internal", Blueprint("api_internal", __name__, url_prefix="/api/internal"),
                   authenticate_session)
internal.bp.register_error_handler(CSRFError, csrf_refused)
# The operator console's calls: the same internal surface (session + CSRF), for operators.
operator = Surface("internal", Blueprint("api_operator", __name__,
                                         url_prefix="/api/internal/operator"),
                   authenticate_operator)
operator.bp.register_error_handler(CSRFError, csrf_refused)

ALL = (v1, mobile, internal, operator)
