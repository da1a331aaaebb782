"""The admin UI's own API, `/api/internal`: the same pipeline, session + CSRF authentication;
importing this package declares its endpoints on `app.api.surfaces.internal` (and the
operator console's on `app.api.surfaces.operator`)."""

from app.api.internal import (  # noqa: F401
    contacts,
    conversations,
    keys,
    messages,
    operator,
    routing,
    team,
    wallet,
    webhooks,
)
