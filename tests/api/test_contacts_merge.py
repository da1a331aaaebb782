"""Contacts: merging two contacts of one tenant into the survivor."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Message
from app.services.inbox import conversations
from tests.api._contacts import NAYEEM, _create, _message, _thread

# Merge


def test_merge_moves_identities_conversations_and_messages(app, tenant, api):
    survivor = _create(api, name="Nayeem", attributes={"tier": "gold"},
                       identities=[{"channel": "sms", "address": "+15551234567"}])
    other = _create(api, external_id="crm-42", attributes={"tier": "silver", "city": "Dhaka"},
                    identities=[{"channel": "email", "address": "n@example.com"}])
    _, conversation_id = _thread(app, tenant.partner_id, "live", "email", "n@example.com")
    message_id = _message(app, tenant.partner_id, "live", conversation_id, other["id"])

    response = api.post(f"/contacts/{survivor['id']}/merge", json={"other_id": other["id"]})
    assert response.status_code == 200
    body = response.json
    assert body["id"] == survivor["id"]
    assert (body["name"], body["external_id"]) == ("Nayeem", "crm-42")
    assert body["attributes"] == {"tier": "gold", "city": "Dhaka"}
    assert body["identities"] == [{"channel": "sms", "address": "+15551234567"},
                                  {"channel": "email", "address": "n@example.com"}]
    assert api.get(f"/contacts/{other['id']}").status_code == 404
    assert api.get(f"/conversations/{conversation_id}").json["contact_id"] == survivor["id"]
    with app.app_context():
        assert db.session.get(Message, message_id).contact_id == survivor["id"]
    assert [c["id"] for c in api.get("/contacts?external_id=crm-42").json["data"]] == [
        survivor["id"]]


def test_merge_closes_the_others_open_conversation_on_a_shared_channel(app, tenant, api):
    survivor, kept = _thread(app, tenant.partner_id, "live", "sms", "+15551234567")
    other, duplicate = _thread(app, tenant.partner_id, "live", "sms", "+15557654321")
    _, whatsapp = _thread(app, tenant.partner_id, "live", "whatsapp", "+15557654321")
    assert api.post(f"/contacts/{survivor}/merge", json={"other_id": other}).status_code == 200
    assert api.get(f"/conversations/{kept}").json["status"] == "open"
    assert api.get(f"/conversations/{duplicate}").json["status"] == "closed"
    assert api.get(f"/conversations/{whatsapp}").json["status"] == "open"
    with app.app_context():
        assert conversations.find_or_open(tenant.partner_id, "live", survivor,
                                          "sms").id == kept


def test_a_contact_cannot_be_merged_with_itself(api):
    contact = _create(api, **NAYEEM)
    response = api.post(f"/contacts/{contact['id']}/merge", json={"other_id": contact["id"]})
    assert response.status_code == 422
    assert (response.json["code"], response.json["param"]) == ("invalid_field", "other_id")


def test_merge_with_another_partners_or_environments_contact_is_404(tenant, other_tenant):
    mine = _create(tenant.live, name="Mine")
    for other in (_create(other_tenant.live, **NAYEEM), _create(tenant.sandbox, **NAYEEM)):
        response = tenant.live.post(f"/contacts/{mine['id']}/merge",
                                    json={"other_id": other["id"]})
        assert response.status_code == 404
        assert (response.json["code"], response.json["param"]) == ("not_found", "other_id")
    assert other_tenant.live.get("/contacts?external_id=crm-42").json["data"] != []
    assert tenant.sandbox.get("/contacts?external_id=crm-42").json["data"] != []


@pytest.mark.parametrize(("body", "code"), [
    ({}, "missing_field"),
    ({"other_id": "crm-42"}, "invalid_field"),
    ({"other_id": "msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C"}, "invalid_field"),
])
def test_merge_needs_a_contact_id(api, body, code):
    contact = _create(api, **NAYEEM)
    response = api.post(f"/contacts/{contact['id']}/merge", json=body)
    assert response.status_code == 422
    assert (response.json["code"], response.json["param"]) == (code, "other_id")


def test_merge_refuses_more_than_fifty_attributes_together(api):
    survivor = _create(api, attributes={f"a{n}": n for n in range(30)})
    other = _create(api, attributes={f"b{n}": n for n in range(30)})
    response = api.post(f"/contacts/{survivor['id']}/merge", json={"other_id": other["id"]})
    assert response.status_code == 422 and response.json["param"] == "attributes"
    assert api.get(f"/contacts/{other['id']}").status_code == 200
