"""Fixtures of the admin UI tests."""

from __future__ import annotations

import pytest

from tests.admin._console import clear_outbox


@pytest.fixture(autouse=True)
def _empty_outbox(request):
    """Each test starts with an empty development outbox (instance/outbox)."""
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    clear_outbox(app)
    yield
    clear_outbox(app)
