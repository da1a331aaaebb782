"""Contacts: create, look up, update, erase and merge; identities; tenant isolation."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.channels import ChannelValidationError
from app.extensions import db
from app.models import Contact, Conversation, Message
from app.services import contacts, conversations

NAYEEM = {"name": "Nayeem", "external_id": "crm-42",
          "identities": [{"channel": "sms", "address": "+15551234567"},
                         {"channel": "whatsapp", "address": "+15551234567"}],
          "attributes": {"tier": "gold"}}
FIELDS = ["id", "object", "name", "external_id", "identities", "attributes", "created_at",
          "updated_at"]


def _create(client, **body):
    response = client.post("/contacts", json=body)
    assert response.status_code == 201, response.json
    return response.json


def _thread(app, partner_id, environment, channel, address):
    """Open a conversation for an address, as a send or an inbound message would."""
    with app.app_context():
        contact, _ = contacts.resolve_or_create_by_identity(partner_id, environment, channel,
                                                            address)
        conversation = conversations.find_or_open(partner_id, environment, contact.id, channel)
        db.session.commit()
        return contact.id, conversation.id


def _message(app, partner_id, environment, conversation_id, contact_id, *,
             direction="inbound", status="delivered", text="Hello"):
    contact_side, our_side = "+15551234567", "+15550000000"
    to, sender = ((contact_side, our_side) if direction == "outbound"
                  else (our_side, contact_side))
    with app.app_context():
        message = Message(partner_id=partner_id, environment=environment, channel="sms",
                          direction=direction, status=status, text=text, to_address=to,
                          from_address=sender, conversation_id=conversation_id,
                          contact_id=contact_id)
        db.session.add(message)
        db.session.commit()
        return message.id


# Create


def test_create_returns_the_contact_with_normalised_identities(api):
    response = api.post("/contacts", json={
        **NAYEEM, "identities": [{"channel": "sms", "address": "+1 (555) 123-4567"},
                                 {"channel": "email", "address": "Nayeem@Example.COM"},
                                 {"channel": "telegram", "address": 123456789}]})
    assert response.status_code == 201
    body = response.json
    assert list(body) == FIELDS
    assert body["id"].startswith("con_") and body["object"] == "contact"
    assert (body["name"], body["external_id"]) == ("Nayeem", "crm-42")
    assert body["identities"] == [{"channel": "sms", "address": "+15551234567"},
                                  {"channel": "email", "address": "Nayeem@example.com"},
                                  {"channel": "telegram", "address": "123456789"}]
    assert body["attributes"] == {"tier": "gold"}
    assert body["created_at"].endswith("Z") and body["updated_at"].endswith("Z")
    assert api.get(f"/contacts/{body['id']}").json == body


def test_every_field_of_a_new_contact_is_optional(api):
    body = _create(api)
    assert (body["name"], body["external_id"], body["identities"], body["attributes"]) == (
        None, None, [], {})


def test_the_same_number_on_two_channels_is_two_identities_of_one_contact(api):
    body = _create(api, **NAYEEM)
    assert [i["channel"] for i in body["identities"]] == ["sms", "whatsapp"]


def test_an_external_id_belongs_to_one_contact(api):
    first = _create(api, **NAYEEM)
    response = api.post("/contacts", json={"name": "Someone else", "external_id": "crm-42"})
    assert response.status_code == 409
    assert response.json["code"] == "external_id_taken"
    assert response.json["param"] == "external_id"
    assert first["id"] in response.json["detail"]
    assert len(api.get("/contacts").json["data"]) == 1


def test_an_identity_belongs_to_one_contact_even_spelt_differently(api):
    first = _create(api, **NAYEEM)
    response = api.post("/contacts", json={"identities": [
        {"channel": "email", "address": "n@example.com"},
        {"channel": "sms", "address": "+1 555 123 4567"}]})
    assert response.status_code == 409
    body = response.json
    assert body["code"] == "identity_taken" and body["param"] == "identities.1"
    assert body["errors"] == [{"param": "identities.1", "code": "identity_taken",
                               "message": body["errors"][0]["message"]}]
    assert first["id"] in body["detail"]
    assert len(api.get("/contacts").json["data"]) == 1


def test_external_ids_and_identities_are_scoped_to_partner_and_environment(tenant,
                                                                           other_tenant):
    _create(tenant.live, **NAYEEM)
    assert tenant.sandbox.post("/contacts", json=NAYEEM).status_code == 201
    assert other_tenant.live.post("/contacts", json=NAYEEM).status_code == 201


@pytest.mark.parametrize(("identity", "param", "code"), [
    ({"channel": "carrier-pigeon", "address": "x"}, "identities.0.channel", "unknown_channel"),
    ({"channel": "sms", "address": "555-1234"}, "identities.0.address", "invalid_phone_number"),
    ({"channel": "whatsapp", "address": 15551234567}, "identities.0.address",
     "invalid_phone_number"),
    ({"channel": "email", "address": "not-an-email"}, "identities.0.address",
     "invalid_email_address"),
    ({"channel": "messenger", "address": "has spaces"}, "identities.0.address",
     "invalid_address"),
    ({"channel": "telegram", "address": "chat"}, "identities.0.address", "invalid_address"),
    ({"channel": "viber", "address": ""}, "identities.0.address", "invalid_address"),
    ({"channel": "push", "address": "x" * 321}, "identities.0.address", "invalid_address"),
    ({"channel": "push", "address": "short"}, "identities.0.address", "invalid_address"),
])
def test_identities_are_validated_with_the_channel_rules(api, identity, param, code):
    response = api.post("/contacts", json={"identities": [identity]})
    assert response.status_code == 422
    assert (response.json["code"], response.json["param"]) == (code, param)
    assert api.get("/contacts").json["data"] == []


def test_every_invalid_identity_is_reported_at_once(api):
    response = api.post("/contacts", json={"identities": [
        {"channel": "sms", "address": "nope"}, {"channel": "email", "address": "ok@example.com"},
        {"channel": "email", "address": "nope"}]})
    assert response.status_code == 422
    assert [(e["param"], e["code"]) for e in response.json["errors"]] == [
        ("identities.0.address", "invalid_phone_number"),
        ("identities.2.address", "invalid_email_address")]


def test_the_same_identity_twice_in_one_request_is_refused(api):
    response = api.post("/contacts", json={"identities": [
        {"channel": "sms", "address": "+15551234567"},
        {"channel": "sms", "address": "+1 555 123 4567"}]})
    assert response.status_code == 422
    assert (response.json["code"], response.json["param"]) == ("invalid_field", "identities.1")


def test_a_contact_has_at_most_twenty_identities(api):
    identities = [{"channel": "webchat", "address": f"visitor-{n}"} for n in range(21)]
    response = api.post("/contacts", json={"identities": identities})
    assert response.status_code == 422 and response.json["param"] == "identities"


@pytest.mark.parametrize(("attributes", "param"), [
    ({"address": {"city": "Dhaka"}}, "attributes.address"),
    ({"tags": ["a", "b"]}, "attributes.tags"),
    ({"bio": "x" * 501}, "attributes.bio"),
    ({"k" * 41: "v"}, "attributes.kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk.[key]"),
    ({f"key{n}": n for n in range(51)}, "attributes"),
])
def test_attributes_are_a_small_flat_object_of_scalars(api, attributes, param):
    response = api.post("/contacts", json={"attributes": attributes})
    assert response.status_code == 422
    assert (response.json["code"], response.json["param"]) == ("invalid_field", param)


def test_attribute_values_may_be_strings_numbers_and_booleans(api):
    attributes = {"tier": "gold", "orders": 12, "ltv": 99.5, "vip": True, "gone": None}
    body = _create(api, attributes=attributes)
    assert body["attributes"] == {"tier": "gold", "orders": 12, "ltv": 99.5, "vip": True}


@pytest.mark.parametrize(("change", "param", "code"), [
    ({"name": ""}, "name", "invalid_field"),
    ({"name": "x" * 201}, "name", "invalid_field"),
    ({"external_id": " padded "}, "external_id", "invalid_field"),
    ({"external_id": "x" * 201}, "external_id", "invalid_field"),
    ({"nickname": "N"}, "nickname", "unknown_field"),
    ({"identities": [{"channel": "sms"}]}, "identities.0.address", "missing_field"),
    ({"identities": [{"channel": "sms", "address": ["+15551234567"]}]},
     "identities.0.address", "invalid_field"),
    ({"identities": [{"channel": "telegram", "address": True}]}, "identities.0.address",
     "invalid_field"),
])
def test_create_refuses_malformed_fields(api, change, param, code):
    response = api.post("/contacts", json={**NAYEEM, **change})
    assert response.status_code == 422
    assert (response.json["code"], response.json["param"]) == (code, param)


def test_a_replayed_create_returns_the_same_contact(api):
    first = api.post("/contacts", json=NAYEEM, idempotency_key="create-nayeem")
    again = api.post("/contacts", json=NAYEEM, idempotency_key="create-nayeem")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json


# List and look up


def test_list_is_newest_first_with_cursor_pagination(api):
    ids = [_create(api, name=f"c{n}")["id"] for n in range(3)]
    first = api.get("/contacts?limit=2").json
    assert [c["id"] for c in first["data"]] == ids[::-1][:2]
    assert first["has_more"] is True and first["object"] == "list"
    second = api.get(f"/contacts?limit=2&cursor={first['next_cursor']}").json
    assert [c["id"] for c in second["data"]] == [ids[0]]
    assert second["has_more"] is False and second["next_cursor"] is None


def test_lookup_by_external_id(api):
    wanted = _create(api, **NAYEEM)
    _create(api, external_id="crm-43")
    found = api.get("/contacts?external_id=crm-42").json["data"]
    assert [c["id"] for c in found] == [wanted["id"]]
    assert api.get("/contacts?external_id=crm-99").json["data"] == []


@pytest.mark.parametrize("query", [
    "channel=sms&address=%2B15551234567",
    "channel=sms&address=%2B1%20(555)%20123-4567",
    "channel=sms&address=+15551234567",  # an unencoded + arrives as a space
])
def test_lookup_by_identity_normalises_the_address(api, query):
    wanted = _create(api, **NAYEEM)
    _create(api, identities=[{"channel": "sms", "address": "+15557654321"}])
    found = api.get(f"/contacts?{query}").json["data"]
    assert [c["id"] for c in found] == [wanted["id"]]


def test_lookup_by_identity_matches_the_channel_too(api):
    _create(api, identities=[{"channel": "sms", "address": "+15551234567"}])
    assert api.get("/contacts?channel=whatsapp&address=%2B15551234567").json["data"] == []


def test_lookup_by_email_identity_normalises_the_domain(api):
    wanted = _create(api, identities=[{"channel": "email", "address": "nayeem@example.com"}])
    found = api.get("/contacts?channel=email&address=nayeem@EXAMPLE.com").json["data"]
    assert [c["id"] for c in found] == [wanted["id"]]


@pytest.mark.parametrize(("query", "status", "code", "param"), [
    ("channel=sms", 400, "invalid_parameter", "address"),
    ("address=%2B15551234567", 400, "invalid_parameter", "channel"),
    ("channel=fax&address=1", 400, "invalid_parameter", "channel"),
    ("channel=sms&address=hello", 422, "invalid_phone_number", "address"),
    ("channel=email&address=hello", 422, "invalid_email_address", "address"),
    ("name=Nayeem", 400, "invalid_parameter", "name"),
    ("cursor=bm9wZQ", 400, "invalid_cursor", "cursor"),
])
def test_malformed_lookups_are_refused(api, query, status, code, param):
    response = api.get(f"/contacts?{query}")
    assert response.status_code == status
    assert (response.json["code"], response.json["param"]) == (code, param)


def test_lists_and_lookups_never_show_another_partners_or_environments_contacts(
        tenant, other_tenant):
    _create(other_tenant.live, **NAYEEM)
    _create(tenant.sandbox, **NAYEEM)
    for query in ("", "?external_id=crm-42", "?channel=sms&address=%2B15551234567"):
        assert tenant.live.get(f"/contacts{query}").json["data"] == []
    assert len(tenant.sandbox.get("/contacts?external_id=crm-42").json["data"]) == 1


# Get, isolation


def test_other_partners_and_environments_contacts_answer_404_like_missing_ones(
        tenant, other_tenant):
    foreign = _create(other_tenant.live, **NAYEEM)["id"]
    sandbox = _create(tenant.sandbox, **NAYEEM)["id"]
    missing = "con_01HNQX2P8Y9R3T4V5W6Z7A8B9C"
    for contact_id in (foreign, sandbox, missing, "not-an-id"):
        for response in (
            tenant.live.get(f"/contacts/{contact_id}"),
            tenant.live.patch(f"/contacts/{contact_id}", json={"name": "Mine now"}),
            tenant.live.delete(f"/contacts/{contact_id}"),
            tenant.live.post(f"/contacts/{contact_id}/merge",
                             json={"other_id": "con_01HNQX2P8Y9R3T4V5W6Z7A8B9D"}),
        ):
            assert response.status_code == 404, (contact_id, response.json)
            assert response.json["code"] == "not_found"
    assert other_tenant.live.get(f"/contacts/{foreign}").json["name"] == "Nayeem"
    assert tenant.sandbox.get(f"/contacts/{sandbox}").json["name"] == "Nayeem"


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


# resolve_or_create_by_identity (the send and inbound paths)


def test_resolve_creates_a_contact_once_then_finds_it(app, tenant):
    with app.app_context():
        contact, created = contacts.resolve_or_create_by_identity(
            tenant.partner_id, "live", "sms", "+1 555 123 4567", name="Nayeem")
        db.session.commit()
        again, created_again = contacts.resolve_or_create_by_identity(
            tenant.partner_id, "live", "sms", "+15551234567", name="Someone else")
        assert (created, created_again) == (True, False)
        assert again.id == contact.id and again.name == "Nayeem"
        assert contacts.to_api(again)["identities"] == [{"channel": "sms",
                                                         "address": "+15551234567"}]


def test_resolve_is_scoped_to_partner_and_environment(app, tenant, other_tenant):
    with app.app_context():
        found = {contacts.resolve_or_create_by_identity(partner, environment, "sms",
                                                        "+15551234567")[0].id
                 for partner in (tenant.partner_id, other_tenant.partner_id)
                 for environment in ("live", "sandbox")}
        db.session.commit()
    assert len(found) == 4


def test_resolve_refuses_an_invalid_address_with_the_channel_code(app, tenant):
    with app.app_context(), pytest.raises(ChannelValidationError) as raised:
        contacts.resolve_or_create_by_identity(tenant.partner_id, "live", "email", "nope")
    assert (raised.value.entry.code, raised.value.param) == ("invalid_email_address",
                                                             "address")


def test_concurrent_resolves_of_one_identity_make_one_contact(app, tenant):
    barrier = threading.Barrier(4)
    results: list[tuple[str, bool]] = []
    failures: list[BaseException] = []

    def resolve() -> None:
        with app.app_context():
            try:
                barrier.wait()
                contact, created = contacts.resolve_or_create_by_identity(
                    tenant.partner_id, "live", "whatsapp", "+15551234567")
                contact_id = contact.id
                db.session.commit()
                results.append((contact_id, created))
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                failures.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=resolve) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert len({contact_id for contact_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, False, False, True]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contact)) == 1
