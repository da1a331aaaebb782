"""The admin UI's own API, `/api/internal`: the same pipeline, session + CSRF authentication;
importing this package declares its endpoints on `app.api.surfaces.internal`."""

from app.api.internal import contacts, conversations, messages  # noqa: F401
