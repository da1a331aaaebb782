"""A test event for one endpoint, sent from the console: type `webhook.test`, signed and
logged like any delivery, delivered to that endpoint only (whatever its event filter), and
never fanned out to the partner's other endpoints."""

from __future__ import annotations

from app.extensions import db
from app.models import Event, WebhookDelivery
from app.models.base import utcnow
from app.services import tx
from app.services.webhooks import endpoints as webhooks
from app.services.webhooks.delivery import create_deliveries
from app.services.webhooks.log import enabled

TEST_EVENT_TYPE = "webhook.test"


def send_test(partner_id: str, environment: str, endpoint_id: str) -> WebhookDelivery:
    """Record a `webhook.test` event and deliver it to this enabled endpoint alone."""
    endpoint = enabled(webhooks.get(partner_id, environment, endpoint_id))
    event = Event(partner_id=partner_id, environment=environment, type=TEST_EVENT_TYPE,
                  data={"object": "webhook_test", "endpoint_id": endpoint.id,
                        "message": "A test event sent from the Switchboard console."},
                  object_id=endpoint.id,
                  # Already dispatched: only the delivery below carries it.
                  dispatched_at=utcnow())
    db.session.add(event)
    db.session.flush()
    [delivery_id] = create_deliveries(event, [endpoint])
    tx.commit()
    return db.session.get(WebhookDelivery, delivery_id)
