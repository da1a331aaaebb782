"""Replaying outbound webhooks: one failed delivery, or every failed one since a time, is sent
again as a new delivery of the same event; a disabled endpoint refuses replays."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from werkzeug import Response

from app.extensions import db
from app.models import WebhookDelivery
from app.models.base import isoformat, utcnow
from tests.jobs._webhooks import _endpoint, _event, _log

# Replay


def test_a_failed_delivery_is_replayed_as_a_new_delivery_of_the_same_event(
        app, tenant, drain, local, receiver):
    local("WEBHOOK_RETRY_DELAYS", "0")
    receiver.script = [Response(status=500)]
    endpoint = _endpoint(tenant.live, receiver.url)
    event_id = _event(app, tenant.partner_id)
    drain()
    [failed] = _log(tenant.live, endpoint["id"])
    assert failed["status"] == "failed"
    replayed = tenant.live.post(
        f"/webhook_endpoints/{endpoint['id']}/deliveries/{failed['id']}/replay")
    assert replayed.status_code == 202, replayed.json
    assert (replayed.json["event_id"], replayed.json["status"]) == (event_id, "pending")
    assert replayed.json["id"] != failed["id"]
    drain()
    assert [e["id"] for e in receiver.verified(endpoint["secret"])] == [event_id] * 2
    log = {d["id"]: d["status"] for d in _log(tenant.live, endpoint["id"])}
    assert log == {failed["id"]: "failed", replayed.json["id"]: "succeeded"}


def test_replay_since_resends_the_failed_deliveries_since_then_once(app, tenant, drain, local,
                                                                     receiver):
    local("WEBHOOK_RETRY_DELAYS", "0")
    receiver.default = Response(status=502)
    endpoint = _endpoint(tenant.live, receiver.url)
    ids = [_event(app, tenant.partner_id) for _ in range(3)]
    drain()
    assert len(receiver.requests) == 3
    with app.app_context():  # the first failed two hours ago
        oldest = db.session.scalar(select(WebhookDelivery).where(
            WebhookDelivery.event_id == ids[0]))
        oldest.created_at = utcnow() - timedelta(hours=2)
        db.session.commit()
    receiver.default = Response("ok", status=200)
    since = isoformat(utcnow() - timedelta(hours=1))
    response = tenant.live.post(f"/webhook_endpoints/{endpoint['id']}/replay",
                                json={"since": since})
    assert response.status_code == 202, response.json
    assert response.json == {"object": "webhook_replay", "endpoint_id": endpoint["id"],
                             "since": since, "replayed": 2, "has_more": False}
    drain()
    assert [e["id"] for e in receiver.verified(endpoint["secret"])[3:]] == ids[1:]
    again = tenant.live.post(f"/webhook_endpoints/{endpoint['id']}/replay",
                             json={"since": since})
    assert again.json["replayed"] == 0


def test_replaying_to_a_disabled_endpoint_is_refused(app, tenant, drain, local, receiver):
    endpoint = _endpoint(tenant.live, receiver.url)
    tenant.live.patch(f"/webhook_endpoints/{endpoint['id']}", json={"status": "disabled"})
    response = tenant.live.post(f"/webhook_endpoints/{endpoint['id']}/replay",
                                json={"since": "2020-01-01T00:00:00Z"})
    assert response.status_code == 409 and response.json["code"] == "conflict"
