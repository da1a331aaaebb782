"""Builders shared by tests of every layer (fixtures live in conftest.py files)."""

from __future__ import annotations

from app.config import parse


def set_config(monkeypatch, app, key: str, value) -> None:
    """Change one setting for one test, typed as the factory types it (lists parsed)."""
    monkeypatch.setitem(app.config, key, parse(key, value))
