"""The getting-started flow, driven by the generated Python client (`clients/python`) against
the app served on a free port, with a live worker delivering the sandbox messages."""

from __future__ import annotations

import time
import uuid

import pytest
from switchboard_client import AuthenticatedClient
from switchboard_client.api.messages import get_message, list_messages, send_message
from switchboard_client.api.templates import create_template
from switchboard_client.api.wallet import get_balance
from switchboard_client.models import (
    Balance,
    MessageOut,
    Problem,
    SendMessage,
    TemplateCreate,
    TemplateOut,
)

from app.services.tenancy import demo
from tests.factories import make_partner

pytestmark = pytest.mark.slow
POLL_LIMIT_SECONDS = 60  # a stuck delivery fails the test instead of hanging it


@pytest.fixture
def client(app, live_server) -> AuthenticatedClient:
    with app.app_context():
        provisioned = make_partner(name="Integrator", sandbox_balance="100")
    with AuthenticatedClient(base_url=live_server, token=provisioned.test_key) as api:
        yield api


def _wait_until_delivered(client: AuthenticatedClient, message_id: str) -> MessageOut:
    deadline = time.monotonic() + POLL_LIMIT_SECONDS
    seen = []
    while True:
        message = get_message.sync(message_id, client=client)
        assert isinstance(message, MessageOut)
        seen.append(message.status.value)
        if message.status.value == "delivered" or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert seen[-1] == "delivered", seen
    return message


def test_getting_started_with_the_generated_client(client):
    created = create_template.sync_detailed(
        client=client, body=TemplateCreate.from_dict(demo.ORDER_TEMPLATE),
        idempotency_key=str(uuid.uuid4()))
    assert created.status_code == 201
    assert isinstance(created.parsed, TemplateOut)
    assert created.parsed.name == demo.ORDER_TEMPLATE["name"]

    key = str(uuid.uuid4())
    sent = send_message.sync_detailed(client=client, body=SendMessage.from_dict(demo.FIRST_SEND),
                                      idempotency_key=key)
    assert sent.status_code == 202
    assert isinstance(sent.parsed, MessageOut)
    assert sent.parsed.id.startswith("msg_")
    assert sent.parsed.channel.value == "whatsapp"
    assert sent.headers["Request-Id"].startswith("req_")
    # The same key again: the stored answer, marked as a replay, and no second message.
    replay = send_message.sync_detailed(client=client,
                                        body=SendMessage.from_dict(demo.FIRST_SEND),
                                        idempotency_key=key)
    assert replay.status_code == 202
    assert replay.headers["Idempotent-Replayed"] == "true"
    assert replay.parsed.id == sent.parsed.id

    delivered = _wait_until_delivered(client, sent.parsed.id)
    assert delivered.cost is not None

    more = [send_message.sync(client=client, idempotency_key=str(uuid.uuid4()),
                              body=SendMessage.from_dict({"channel": "sms", "to": "+15005550006",
                                                          "text": f"Hello {n}"}))
            for n in range(2)]
    assert all(isinstance(message, MessageOut) for message in more)
    listed, cursor, pages = [], None, 0
    while True:
        kwargs = {"cursor": cursor} if cursor else {}
        page = list_messages.sync(client=client, limit=1, **kwargs)
        pages += 1
        listed += [message.id for message in page.data]
        if not page.has_more:
            break
        cursor = page.next_cursor
    assert pages == 3
    assert sorted(listed) == sorted([sent.parsed.id] + [message.id for message in more])

    balance = get_balance.sync(client=client)
    assert isinstance(balance, Balance)
    assert float(balance.available) < 100

    refused = send_message.sync_detailed(
        client=client, idempotency_key=str(uuid.uuid4()),
        body=SendMessage.from_dict({"channel": "sms", "to": "12345", "text": "Hi"}))
    assert refused.status_code == 422
    assert isinstance(refused.parsed, Problem)
    assert refused.parsed.code == "invalid_phone_number"
    assert refused.parsed.param == "to"
    assert refused.parsed.request_id == refused.headers["Request-Id"]
