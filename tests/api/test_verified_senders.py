"""Sender identity: a partner sends only as a `from` operators verified for it.

The review's reproduction: on a shared gateway, partner B sent with partner A's email
address (or number, or Viber name) as `from`, and it was accepted and sent as A.
"""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Message
from app.services.messaging import senders
from tests.api._messages import SMS, _balance

EMAIL = {"channel": "email", "to": "ann@example.com", "subject": "Hi", "text": "Hello"}


@pytest.fixture
def acme_sender(app, tenant):
    with app.app_context():
        senders.add(tenant.partner_id, "email", "Billing@Acme.example")
        senders.add(tenant.partner_id, "sms", "ACME")


@pytest.mark.parametrize("environment", ["live", "sandbox"])
def test_another_partners_sender_is_refused_and_nothing_is_charged(app, tenant, other_tenant,
                                                                   acme_sender, environment):
    globex = getattr(other_tenant, environment)
    before = _balance(globex)
    for payload in ({**EMAIL, "from": "billing@acme.example"}, {**SMS, "from": "ACME"}):
        response = globex.post("/messages", json=payload)
        assert response.status_code == 422, response.json
        assert response.json["code"] == "unverified_sender"
        assert response.json["param"] == "from"
        assert "verified" in response.json["detail"]
    assert _balance(globex) == before
    with app.app_context():
        assert db.session.query(Message).count() == 0


def test_the_owner_sends_as_its_verified_sender(tenant, acme_sender):
    mail = tenant.live.post("/messages", json={**EMAIL, "from": "billing@ACME.example"})
    assert mail.status_code == 202, mail.json
    assert mail.json["from"] == "billing@ACME.example"
    assert tenant.live.post("/messages", json={**SMS, "from": "ACME"}).status_code == 202
    # Verified per channel: the SMS sender name is not an email sender.
    other_channel = tenant.live.post("/messages", json={**EMAIL, "from": "ACME"})
    assert other_channel.json["code"] == "unverified_sender"


def test_without_from_the_gateways_sender_is_used(tenant):
    response = tenant.live.post("/messages", json=SMS)
    assert response.status_code == 202 and response.json["from"] is None


def test_operators_manage_senders_from_the_cli(app, cli, tenant):
    added = cli.invoke(args=["sender", "add", "--partner", tenant.partner_id,
                             "--channel", "viber", "Acme Shop"])
    assert added.exit_code == 0, added.output
    listed = cli.invoke(args=["sender", "list", "--partner", tenant.partner_id])
    assert "viber Acme Shop" in listed.output
    viber = {"channel": "viber", "to": "01234567890A=", "text": "Hi", "from": "Acme Shop"}
    assert tenant.live.post("/messages", json=viber).status_code == 202
    removed = cli.invoke(args=["sender", "remove", "--partner", tenant.partner_id,
                               "--channel", "viber", "Acme Shop"])
    assert removed.exit_code == 0, removed.output
    assert tenant.live.post("/messages", json=viber).json["code"] == "unverified_sender"
    unknown = cli.invoke(args=["sender", "add", "--partner", "ptr_01HNQX2P8Y9R3T4V5W6Z7A8B9C",
                               "--channel", "sms", "X"])
    assert unknown.exit_code != 0 and "No partner" in unknown.output
