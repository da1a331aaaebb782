"""`GET /messages/{id}` and `GET /messages`: isolation, cursor pages and filters."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from app.extensions import db
from app.models import Message
from tests.api._messages import SMS

# --- Get and list ---------------------------------------------------------------------------------

def test_get_an_unknown_message_is_404(api):
    response = api.get("/messages/msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C")
    assert response.status_code == 404 and response.json["code"] == "not_found"
    assert api.get("/messages/not-an-id").status_code == 404


def test_other_partners_and_environments_get_404_and_empty_lists(api, tenant, other_tenant):
    message = api.post("/messages", json=SMS).json
    for client in (other_tenant.live, other_tenant.sandbox, tenant.sandbox):
        response = client.get(f"/messages/{message['id']}")
        assert response.status_code == 404 and response.json["code"] == "not_found"
        assert client.get("/messages").json["data"] == []
        assert client.get(f"/messages?contact_id={message['contact_id']}").json["data"] == []
    assert api.get(f"/messages/{message['id']}").status_code == 200


def test_list_is_newest_first_and_pages_with_a_cursor(api):
    ids = [api.post("/messages", json={**SMS, "text": f"n{i}"}).json["id"] for i in range(5)]
    page = api.get("/messages?limit=2").json
    assert page["object"] == "list" and page["has_more"] is True and len(page["data"]) == 2
    seen = [m["id"] for m in page["data"]]
    while page["next_cursor"]:
        page = api.get(f"/messages?limit=2&cursor={page['next_cursor']}").json
        seen += [m["id"] for m in page["data"]]
    assert seen == sorted(ids, reverse=True)
    assert page["has_more"] is False


def test_list_filters_by_channel_contact_conversation_status_and_direction(app, api):
    a = api.post("/messages", json=SMS).json
    b = api.post("/messages", json={**SMS, "to": "+15557654321"}).json
    c = api.post("/messages", json={"channel": "webchat", "to": "visitor_1", "text": "Hi"}).json

    def ids(query):
        response = api.get("/messages?" + query)
        assert response.status_code == 200, response.json
        return {m["id"] for m in response.json["data"]}

    assert ids("channel=sms") == {a["id"], b["id"]}
    assert ids(f"contact_id={b['contact_id']}") == {b["id"]}
    assert ids(f"conversation_id={c['conversation_id']}") == {c["id"]}
    assert ids("direction=outbound") == {a["id"], b["id"], c["id"]}
    assert ids("direction=inbound") == set()
    assert ids("status=queued&channel=webchat") == {c["id"]}
    with app.app_context():
        db.session.execute(update(Message).where(Message.id == a["id"]).values(status="sent"))
        db.session.commit()
    assert ids("status=sent") == {a["id"]}
    assert ids("status=queued") == {b["id"], c["id"]}


def test_list_filters_by_creation_time(app, api):
    old = api.post("/messages", json=SMS).json
    new = api.post("/messages", json=SMS).json
    moved = datetime(2026, 1, 2, 3, 4, 5, 600_000, tzinfo=UTC)
    with app.app_context():
        db.session.execute(update(Message).where(Message.id == old["id"])
                           .values(created_at=moved))
        db.session.commit()
    assert api.get(f"/messages/{old['id']}").json["created_at"] == "2026-01-02T03:04:05Z"

    def ids(query):
        response = api.get("/messages?" + query)
        assert response.status_code == 200, response.json
        return {m["id"] for m in response.json["data"]}

    assert ids("created_lte=2026-01-02T03:04:05Z") == {old["id"]}  # the second shown counts
    assert ids("created_lte=2026-01-02T03:04:04Z") == set()
    assert ids("created_gte=2026-01-02T03:04:06Z") == {new["id"]}
    assert ids("created_gte=2026-01-02T03:04:05Z&created_lte=2026-01-03T00:00:00Z") == {
        old["id"]}
    later = (moved + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert ids(f"created_lte={later}%2B01:00") == {old["id"]}  # offsets are honoured


@pytest.mark.parametrize("query", [
    "created_gte=yesterday", "created_gte=2026-01-02", "created_lte=1767225600",
    "created_gte=2026-01-02T03:04:05", "status=lost", "channel=pager", "direction=sideways",
    "contact_id=con_nope", "limit=0", "cursor=bad!", "colour=blue",
])
def test_bad_list_parameters_are_400(api, query):
    response = api.get("/messages?" + query)
    assert response.status_code == 400
    assert response.json["code"] in ("invalid_parameter", "invalid_cursor")
