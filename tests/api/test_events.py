"""Events over the API: the log with filters and cursors, one event, redelivery; isolation."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.extensions import db
from app.models import Event, WebhookDelivery
from app.models.base import isoformat, utcnow
from app.services import events, tx

PUBLIC_URL = "https://93.184.215.14/hooks/switchboard"
CONVERSATION = {"id": "cnv_01HNQX2P8Y9R3T4V5W6Z7A8B9C", "object": "conversation"}


def _event(app, partner_id: str, event_type: str = "conversation.assigned",
           environment: str = "live", age: timedelta | None = None) -> str:
    with app.app_context():
        event = events.record(partner_id, environment, event_type, dict(CONVERSATION))
        if age is not None:
            event.created_at = utcnow() - age
        tx.commit()
        return event.id


def _endpoint(api, **fields) -> str:
    response = api.post("/webhook_endpoints", json={"url": PUBLIC_URL, **fields})
    assert response.status_code == 201, response.json
    return response.json["id"]


def test_an_event_is_the_webhook_envelope_with_its_object_name(app, api, tenant):
    event_id = _event(app, tenant.partner_id)
    response = api.get(f"/events/{event_id}")
    assert response.status_code == 200
    body = response.json
    assert list(body) == ["id", "object", "type", "created_at", "environment", "data"]
    assert (body["id"], body["object"], body["type"], body["environment"]) == (
        event_id, "event", "conversation.assigned", "live")
    assert body["data"] == CONVERSATION and body["created_at"].endswith("Z")


def test_events_are_listed_newest_first_filtered_by_type_and_time(app, api, tenant):
    old = _event(app, tenant.partner_id, "contact.identified", age=timedelta(hours=2))
    assigned = _event(app, tenant.partner_id, "conversation.assigned")
    identified = _event(app, tenant.partner_id, "contact.identified")
    assert [e["id"] for e in api.get("/events").json["data"]] == [identified, assigned, old]
    by_type = api.get("/events", query_string={"type": "contact.identified"}).json["data"]
    assert [e["id"] for e in by_type] == [identified, old]
    hour_ago = isoformat(utcnow() - timedelta(hours=1))
    recent = api.get("/events", query_string={"created_gte": hour_ago}).json["data"]
    assert [e["id"] for e in recent] == [identified, assigned]
    older = api.get("/events", query_string={"created_lte": hour_ago}).json["data"]
    assert [e["id"] for e in older] == [old]


def test_the_event_list_pages_with_a_cursor(app, api, tenant):
    ids = [_event(app, tenant.partner_id) for _ in range(3)]
    first = api.get("/events?limit=2").json
    assert [e["id"] for e in first["data"]] == ids[::-1][:2] and first["has_more"]
    rest = api.get(f"/events?limit=2&cursor={first['next_cursor']}").json
    assert [e["id"] for e in rest["data"]] == [ids[0]] and rest["next_cursor"] is None


def test_an_unknown_type_filter_is_refused(api):
    response = api.get("/events?type=message.exploded")
    assert response.status_code == 400
    assert response.json["code"] == "invalid_parameter"


def test_events_of_another_partner_or_environment_are_invisible(app, tenant, other_tenant):
    event_id = _event(app, tenant.partner_id)
    for client in (other_tenant.live, tenant.sandbox):
        assert client.get(f"/events/{event_id}").status_code == 404
        assert client.post(f"/events/{event_id}/redeliver").status_code == 404
        assert client.get("/events").json["data"] == []


def test_redeliver_sends_to_every_enabled_endpoint_that_takes_the_event(app, api, tenant):
    every = _endpoint(api)
    matching = _endpoint(api, event_types=["conversation.assigned"])
    _endpoint(api, event_types=["message.failed"])
    disabled = _endpoint(api)
    api.patch(f"/webhook_endpoints/{disabled}", json={"status": "disabled"})
    event_id = _event(app, tenant.partner_id)
    response = api.post(f"/events/{event_id}/redeliver")
    assert response.status_code == 202, response.json
    assert response.json["object"] == "list" and response.json["has_more"] is False
    delivered = response.json["data"]
    assert sorted(d["endpoint_id"] for d in delivered) == sorted([every, matching])
    assert {(d["event_id"], d["status"], d["attempt_count"]) for d in delivered} == {
        (event_id, "pending", 0)}
    with app.app_context():
        rows = db.session.scalars(select(WebhookDelivery.endpoint_id).where(
            WebhookDelivery.event_id == event_id)).all()
        assert sorted(rows) == sorted([every, matching])


def test_redeliver_to_one_endpoint(app, api, tenant):
    first, second = _endpoint(api), _endpoint(api)
    event_id = _event(app, tenant.partner_id)
    response = api.post(f"/events/{event_id}/redeliver", json={"endpoint_id": second})
    assert response.status_code == 202
    assert [d["endpoint_id"] for d in response.json["data"]] == [second]
    assert first != second


def test_redeliver_refuses_an_endpoint_that_does_not_take_the_event(app, api, tenant):
    endpoint_id = _endpoint(api, event_types=["message.delivered"])
    event_id = _event(app, tenant.partner_id)
    response = api.post(f"/events/{event_id}/redeliver", json={"endpoint_id": endpoint_id})
    assert response.status_code == 409
    assert response.json["param"] == "endpoint_id"


def test_redeliver_to_a_foreign_endpoint_is_answered_as_to_a_missing_one(app, tenant,
                                                                         other_tenant):
    foreign = _endpoint(other_tenant.live)
    sandbox = _endpoint(tenant.sandbox)
    event_id = _event(app, tenant.partner_id)
    for endpoint_id in (foreign, sandbox, "we_01HNQX2P8Y9R3T4V5W6Z7A8B9C"):
        response = tenant.live.post(f"/events/{event_id}/redeliver",
                                    json={"endpoint_id": endpoint_id})
        assert response.status_code == 404
        assert (response.json["code"], response.json["param"]) == ("not_found", "endpoint_id")
    with app.app_context():
        assert db.session.scalars(select(WebhookDelivery)).all() == []
        assert db.session.get(Event, event_id) is not None
