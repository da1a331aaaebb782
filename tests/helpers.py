"""Builders shared by tests of every layer (fixtures live in conftest.py files)."""

from __future__ import annotations

import socket

from app.channels.gateways.base import GatewayConfig, Outbound
from app.config import parse

MESSAGE_ID = "msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C"


def set_config(monkeypatch, app, key: str, value) -> None:
    """Change one setting for one test, typed as the factory types it (lists parsed)."""
    monkeypatch.setitem(app.config, key, parse(key, value))


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on at the moment of asking."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def gateway_config(provider: str, base_url=None, *, channel: str,
                   credentials: dict | None = None, settings: dict | None = None,
                   environment: str = "live", gateway_id: str = "gw_test",
                   **more_settings) -> GatewayConfig:
    """A gateway as its adapter sees it (credentials decrypted).

    `base_url` is a URL or the fake provider's server (then its root URL, without the
    trailing slash). `settings` replaces the settings; `more_settings` are added to them.
    """
    if hasattr(base_url, "url_for"):
        base_url = base_url.url_for("/").rstrip("/")
    return GatewayConfig(gateway_id, provider, channel, environment, base_url,
                         dict(credentials or {}), {**(settings or {}), **more_settings})


def outbound(channel: str, to: str, **fields) -> Outbound:
    """The first attempt of message MESSAGE_ID; `fields` give its content (text, template…)."""
    values = {"message_id": MESSAGE_ID, "from_": None, "text": None, "subject": None,
              "html": None, "title": None, "template": None, "language": None,
              "variables": {}, "attempt": 0, **fields}
    return Outbound(channel=channel, to=to, **values)
