"""`POST /messages` with an Idempotency-Key: replayed, charged once, freed on refusal."""

from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Message, Wallet, WalletTransaction
from tests.api._messages import (
    EXAMPLE,
    EXAMPLE_KEY,
    SMS,
    _balance,
    _count,
    _send_queue_args,
)
from tests.factories import ApiClient, make_partner

# --- Idempotency --------------------------------------------------------------------------------

def test_a_retried_send_is_replayed_byte_for_byte_and_charged_once(app, api, order_template):
    first = api.post("/messages", json=EXAMPLE, idempotency_key=EXAMPLE_KEY)
    again = api.post("/messages", json=EXAMPLE, idempotency_key=EXAMPLE_KEY)
    assert first.status_code == again.status_code == 202
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert _count(app, Message) == 1
    assert _count(app, WalletTransaction, type="debit") == 1
    assert _balance(api) == "9.988000"
    assert len(_send_queue_args(app)) == 1


def test_the_same_key_with_another_body_is_refused(app, api, order_template):
    api.post("/messages", json=EXAMPLE, idempotency_key=EXAMPLE_KEY)
    other = {**EXAMPLE, "to": "+15557654321"}
    response = api.post("/messages", json=other, idempotency_key=EXAMPLE_KEY)
    assert response.status_code == 422 and response.json["code"] == "idempotency_key_reused"
    assert _count(app, Message) == 1


def test_a_failed_validation_stores_nothing_and_frees_the_key(app, api, order_template):
    bad = api.post("/messages", json={**EXAMPLE, "variables": {"name": "N"}},
                   idempotency_key=EXAMPLE_KEY)
    assert bad.status_code == 422 and bad.json["code"] == "missing_template_variables"
    good = api.post("/messages", json=EXAMPLE, idempotency_key=EXAMPLE_KEY)
    assert good.status_code == 202 and "Idempotent-Replayed" not in good.headers
    assert _count(app, Message) == 1


def test_a_402_with_a_key_can_be_retried_after_a_top_up(app):
    with app.app_context():
        poor = make_partner(name="Poor", balance="0.005")
    client = ApiClient(app.test_client(), poor.live_key)
    assert client.post("/messages", json=SMS, idempotency_key="retry-me").status_code == 402
    with app.app_context():
        from app.services import tx
        from app.services.billing import wallet

        wallet.top_up(poor.partner.id, "live", 10_000)
        tx.commit()
    retried = client.post("/messages", json=SMS, idempotency_key="retry-me")
    assert retried.status_code == 202
    assert _balance(client) == "0.007100"
    with app.app_context():
        wallet_row = db.session.scalar(select(Wallet).where(
            Wallet.partner_id == poor.partner.id, Wallet.environment == "live"))
        assert wallet_row.balance_micros == 7_100
