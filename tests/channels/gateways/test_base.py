"""What all adapters share: reading a provider's answer, secrets given by reference."""

from __future__ import annotations

import httpx
import pytest

from app.channels.gateways.base import json_object
from app.services import secretbox


@pytest.mark.parametrize(("body", "expected"), [
    (b'{"sid": "SM1"}', {"sid": "SM1"}),
    (b"<html>502 Bad Gateway</html>", {}),
    (b'["not", "an", "object"]', {}),
    (b"", {}),
])
def test_json_object_reads_only_a_json_object(body, expected):
    assert json_object(httpx.Response(200, content=body)) == expected


def test_env_references_are_read_at_use_time(monkeypatch):
    monkeypatch.setenv("SB_TEST_TOKEN", "from-env")
    assert secretbox.resolve("env:SB_TEST_TOKEN") == "from-env"
    assert secretbox.resolve("plain-value") == "plain-value"
    monkeypatch.delenv("SB_TEST_TOKEN")
    with pytest.raises(secretbox.UnsetReference, match="SB_TEST_TOKEN"):
        secretbox.resolve("env:SB_TEST_TOKEN")
