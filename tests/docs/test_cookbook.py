"""The sandbox cookbook's table is what the sandbox does: each magic recipient, sent to
through the API and a real burst worker, ends in the documented status and produces exactly
the documented events, in order."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from jobs.worker import run_worker
from tests.docs.conftest import ROOT

pytestmark = pytest.mark.slow

PAGE = ROOT / "docs" / "sandbox-cookbook.md"
ROW = re.compile(r"^\| `([^`]+)` \| `([a-z]+)` \| `([a-z]+)` \| (.+) \|$", re.M)


def recipes() -> list[tuple[str, str, str, list[str]]]:
    """(recipient, channel, final status, event types) of every row of the table."""
    return [(to, channel, status, re.findall(r"`([a-z]+\.[a-z_]+)`", events))
            for to, channel, status, events in ROW.findall(PAGE.read_text(encoding="utf-8"))]


def _payload(to: str, channel: str) -> dict:
    if channel == "email":
        return {"channel": channel, "to": to, "subject": "Cookbook", "text": "Hello"}
    return {"channel": channel, "to": to, "text": "Hello"}


def test_the_cookbook_lists_every_magic_recipient():
    from app.channels.gateways import sandbox

    listed = {to for to, _channel, _status, _events in recipes()}
    magic = {*sandbox.DELIVERED, *sandbox.INVALID, *sandbox.ALWAYS_TRANSIENT,
             *sandbox.TRANSIENT_ONCE, *sandbox.NO_RECEIPT, *sandbox.NOT_RCS_CAPABLE,
             *sandbox.BOUNCE, *sandbox.SOFT_BOUNCE, *sandbox.REPLY}
    assert listed == magic


@pytest.mark.parametrize(("to", "channel", "status", "events"), recipes(),
                         ids=lambda value: value if isinstance(value, str) else None)
def test_each_recipe_produces_the_documented_status_and_events(app, tenant, to, channel,
                                                               status, events):
    from app.extensions import db
    from app.models import Event, Message

    response = tenant.sandbox.post("/messages", json=_payload(to, channel))
    assert response.status_code == 202, response.json
    run_worker(app, list(app.config["RQ_QUEUES"]), burst=True)
    with app.app_context():
        assert db.session.get(Message, response.json["id"]).status == status
        produced = db.session.scalars(select(Event.type).where(
            Event.partner_id == tenant.partner_id, Event.environment == "sandbox")
            .order_by(Event.id)).all()
    assert produced == events
