"""Contacts: create, list and look up, get; identities and attributes; tenant isolation."""

from __future__ import annotations

import pytest

from tests.api._contacts import NAYEEM, _create

FIELDS = ["id", "object", "name", "external_id", "identities", "attributes", "created_at",
          "updated_at"]


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
