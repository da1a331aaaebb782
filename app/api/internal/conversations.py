"""Inbox actions of the admin UI: assign, close and reopen — the partner API's own handlers."""

from __future__ import annotations

from app.api.surfaces import internal as surface
from app.api.v1.conversations import declare_actions

declare_actions(surface)
