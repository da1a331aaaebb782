"""Contacts: update (merge-patch of fields, attributes, identities) and erasure on delete."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Conversation, Message
from tests.api._contacts import NAYEEM, _create, _message, _thread

# Update


def test_update_changes_only_the_given_fields(api):
    contact = _create(api, **NAYEEM)
    response = api.patch(f"/contacts/{contact['id']}", json={"name": "Nayeem H."})
    assert response.status_code == 200
    assert response.json == {**contact, "name": "Nayeem H.",
                             "updated_at": response.json["updated_at"]}


def test_null_clears_name_and_external_id(api):
    contact = _create(api, **NAYEEM)
    body = api.patch(f"/contacts/{contact['id']}",
                     json={"name": None, "external_id": None}).json
    assert (body["name"], body["external_id"]) == (None, None)
    assert _create(api, external_id="crm-42")["external_id"] == "crm-42"


def test_attributes_merge_and_null_removes_a_key(api):
    contact = _create(api, attributes={"tier": "gold", "city": "Dhaka"})
    body = api.patch(f"/contacts/{contact['id']}",
                     json={"attributes": {"tier": "platinum", "city": None, "orders": 3}}).json
    assert body["attributes"] == {"tier": "platinum", "orders": 3}


def test_attributes_null_as_a_whole_is_refused(api):
    contact = _create(api, attributes={"tier": "gold"})
    response = api.patch(f"/contacts/{contact['id']}", json={"attributes": None})
    assert response.status_code == 422 and response.json["param"] == "attributes"


def test_merged_attributes_may_not_exceed_fifty_keys(api):
    contact = _create(api, attributes={f"a{n}": n for n in range(40)})
    response = api.patch(f"/contacts/{contact['id']}",
                         json={"attributes": {f"b{n}": n for n in range(11)}})
    assert response.status_code == 422
    assert (response.json["code"], response.json["param"]) == ("invalid_field", "attributes")
    assert len(api.get(f"/contacts/{contact['id']}").json["attributes"]) == 40


def test_identities_replace_the_list_when_given(api):
    contact = _create(api, **NAYEEM)
    body = api.patch(f"/contacts/{contact['id']}", json={"identities": [
        {"channel": "email", "address": "n@example.com"},
        {"channel": "sms", "address": "+1 555 123 4567"}]}).json
    assert body["identities"] == [{"channel": "email", "address": "n@example.com"},
                                  {"channel": "sms", "address": "+15551234567"}]
    # The dropped whatsapp identity is free for another contact.
    other = _create(api, identities=[{"channel": "whatsapp", "address": "+15551234567"}])
    assert other["identities"][0]["channel"] == "whatsapp"
    assert api.patch(f"/contacts/{contact['id']}",
                     json={"identities": []}).json["identities"] == []


def test_update_refuses_another_contacts_identity_and_external_id(api):
    taken = _create(api, **NAYEEM)
    contact = _create(api, name="Other", external_id="crm-7")
    response = api.patch(f"/contacts/{contact['id']}", json={"identities": [
        {"channel": "webchat", "address": "visitor-1"},
        {"channel": "whatsapp", "address": "+15551234567"}]})
    assert response.status_code == 409
    assert (response.json["code"], response.json["param"]) == ("identity_taken",
                                                                "identities.1")
    response = api.patch(f"/contacts/{contact['id']}", json={"external_id": "crm-42"})
    assert response.status_code == 409
    assert (response.json["code"], response.json["param"]) == ("external_id_taken",
                                                                "external_id")
    assert api.get(f"/contacts/{contact['id']}").json["identities"] == []
    assert api.get(f"/contacts/{taken['id']}").json == taken


def test_update_may_keep_its_own_external_id_and_identities(api):
    contact = _create(api, **NAYEEM)
    response = api.patch(f"/contacts/{contact['id']}", json={
        "external_id": "crm-42", "identities": NAYEEM["identities"]})
    assert response.status_code == 200
    assert response.json["identities"] == contact["identities"]


def test_update_validates_identities_with_the_channel_rules(api):
    contact = _create(api, **NAYEEM)
    response = api.patch(f"/contacts/{contact['id']}", json={"identities": [
        {"channel": "sms", "address": "12"}]})
    assert response.status_code == 422
    assert response.json["code"] == "invalid_phone_number"
    assert response.json["param"] == "identities.0.address"


# Delete


def test_delete_erases_the_contact_and_frees_its_identities(api):
    contact = _create(api, **NAYEEM)
    response = api.delete(f"/contacts/{contact['id']}")
    assert response.status_code == 200
    assert response.json == {"id": contact["id"], "object": "contact", "deleted": True}
    assert api.get(f"/contacts/{contact['id']}").status_code == 404
    assert api.delete(f"/contacts/{contact['id']}").status_code == 404
    assert _create(api, **NAYEEM)["id"] != contact["id"]


def test_delete_removes_conversations_and_redacts_messages(app, tenant, api):
    contact_id, conversation_id = _thread(app, tenant.partner_id, "live", "sms",
                                          "+15551234567")
    inbound = _message(app, tenant.partner_id, "live", conversation_id, contact_id,
                       text="my address is 1 Main St")
    outbound = _message(app, tenant.partner_id, "live", conversation_id, contact_id,
                        direction="outbound", text="Thanks!")
    assert api.delete(f"/contacts/{contact_id}").status_code == 200
    assert api.get(f"/conversations/{conversation_id}").status_code == 404
    with app.app_context():
        rows = {m.id: m for m in db.session.scalars(select(Message))}
        assert set(rows) == {inbound, outbound}  # kept: billed and counted in usage
        for message in rows.values():
            assert (message.text, message.contact_id, message.conversation_id) == (
                None, None, None)
        assert rows[inbound].from_address == "redacted"
        assert rows[inbound].to_address == "+15550000000"  # our side is kept
        assert rows[outbound].to_address == "redacted"
        assert db.session.scalar(select(func.count()).select_from(Conversation)) == 0


def test_delete_waits_for_messages_still_being_sent(app, tenant, api):
    contact_id, conversation_id = _thread(app, tenant.partner_id, "live", "sms",
                                          "+15551234567")
    _message(app, tenant.partner_id, "live", conversation_id, contact_id,
             direction="outbound", status="queued")
    response = api.delete(f"/contacts/{contact_id}")
    assert response.status_code == 409 and response.json["code"] == "conflict"
    assert api.get(f"/contacts/{contact_id}").status_code == 200
    assert api.get(f"/conversations/{conversation_id}").status_code == 200


def test_delete_leaves_other_contacts_messages_alone(app, tenant, api):
    keep_contact, keep_conversation = _thread(app, tenant.partner_id, "live", "sms",
                                              "+15557654321")
    kept = _message(app, tenant.partner_id, "live", keep_conversation, keep_contact)
    contact_id, _ = _thread(app, tenant.partner_id, "live", "sms", "+15551234567")
    assert api.delete(f"/contacts/{contact_id}").status_code == 200
    with app.app_context():
        message = db.session.get(Message, kept)
        assert (message.text, message.contact_id) == ("Hello", keep_contact)
