"""The agents' mobile app API, `/api/mobile`: the same pipeline as `/api/v1`, token auth;
importing this package declares its endpoints on `app.api.surfaces.mobile`."""

from app.api.mobile import auth, conversations, push_tokens  # noqa: F401
