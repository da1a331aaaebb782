"""Templates: create, list, get, delete; placeholders are variables; tenant isolation."""

from __future__ import annotations

import pytest

ORDER = {"name": "order_confirmation", "language": "en", "channel": "whatsapp",
         "body": "Hi {{name}}, order {{order_id}} arrives in {{eta}}."}


def test_create_returns_the_approved_template_with_its_variables(api):
    response = api.post("/templates", json=ORDER)
    assert response.status_code == 201
    body = response.json
    assert list(body) == ["id", "object", "name", "language", "channel", "body", "variables",
                          "status", "created_at"]
    assert body["id"].startswith("tpl_") and body["object"] == "template"
    assert (body["name"], body["language"], body["channel"]) == ("order_confirmation", "en",
                                                                 "whatsapp")
    assert body["body"] == ORDER["body"]
    assert body["variables"] == ["name", "order_id", "eta"]
    assert body["status"] == "approved"
    assert body["created_at"].endswith("Z")


def test_variables_are_listed_once_in_order_of_first_use(api):
    response = api.post("/templates", json={
        "name": "reminder", "language": "en",
        "body": "{{b}} then {{a}}, and {{b}} again; {{_x1}}."})
    assert response.status_code == 201
    assert response.json["variables"] == ["b", "a", "_x1"]
    assert response.json["channel"] == "whatsapp"  # the default: the one template channel


def test_a_body_without_placeholders_has_no_variables(api):
    response = api.post("/templates", json={**ORDER, "name": "hello", "body": "Hello!"})
    assert response.status_code == 201 and response.json["variables"] == []


@pytest.mark.parametrize("body", [
    "Hi {{1}}",
    "Hi {{first name}}",
    "Hi {{}}",
    "Hi {{name}",
    "Hi name}}",
    "Hi {{na-me}}",
])
def test_placeholders_must_be_identifiers(api, body):
    response = api.post("/templates", json={**ORDER, "body": body})
    assert response.status_code == 422
    assert response.json["code"] == "invalid_field" and response.json["param"] == "body"
    assert api.get("/templates").json["data"] == []


def test_the_same_name_language_and_channel_is_a_conflict(api):
    first = api.post("/templates", json=ORDER).json
    response = api.post("/templates", json={**ORDER, "body": "Another body {{x}}"})
    assert response.status_code == 409 and response.json["code"] == "conflict"
    assert first["id"] in response.json["detail"]
    assert [t["id"] for t in api.get("/templates").json["data"]] == [first["id"]]


def test_language_codes_are_stored_the_way_whatsapp_spells_them(api):
    created = api.post("/templates", json={**ORDER, "language": "pt-br"})
    assert created.status_code == 201 and created.json["language"] == "pt_BR"
    again = api.post("/templates", json={**ORDER, "language": "pt_BR"})
    assert again.status_code == 409


def test_another_language_of_the_same_name_is_a_new_template(api):
    assert api.post("/templates", json=ORDER).status_code == 201
    response = api.post("/templates", json={**ORDER, "language": "es",
                                            "body": "Hola {{name}}, pedido {{order_id}}."})
    assert response.status_code == 201
    assert response.json["variables"] == ["name", "order_id"]


@pytest.mark.parametrize(("change", "param", "code"), [
    ({"name": "Order Confirmation"}, "name", "invalid_field"),
    ({"language": "english!"}, "language", "invalid_field"),
    ({"channel": "sms"}, "channel", "invalid_field"),
    ({"body": ""}, "body", "invalid_field"),
    ({"body": "   "}, "body", "invalid_field"),
    ({"body": "x" * 1025}, "body", "invalid_field"),
    ({"footer": "Thanks"}, "footer", "unknown_field"),
])
def test_invalid_template_fields_are_refused(api, change, param, code):
    response = api.post("/templates", json={**ORDER, **change})
    assert response.status_code == 422
    assert (response.json["code"], response.json["param"]) == (code, param)


def test_missing_fields_are_named(api):
    response = api.post("/templates", json={"channel": "whatsapp"})
    assert response.status_code == 422 and response.json["code"] == "missing_field"
    assert {e["param"] for e in response.json["errors"]} == {"name", "language", "body"}


def test_get_returns_the_template(api):
    created = api.post("/templates", json=ORDER).json
    response = api.get(f"/templates/{created['id']}")
    assert response.status_code == 200 and response.json == created


def test_list_filters_by_name_channel_and_language_newest_first(api):
    a = api.post("/templates", json=ORDER).json
    b = api.post("/templates", json={**ORDER, "language": "fr", "body": "Salut {{name}}"}).json
    c = api.post("/templates", json={**ORDER, "name": "welcome", "body": "Welcome!"}).json
    all_ids = [t["id"] for t in api.get("/templates").json["data"]]
    assert all_ids == sorted([a["id"], b["id"], c["id"]], reverse=True)
    by_name = api.get("/templates?name=order_confirmation").json["data"]
    assert {t["id"] for t in by_name} == {a["id"], b["id"]}
    by_language = api.get("/templates?language=fr").json["data"]
    assert [t["id"] for t in by_language] == [b["id"]]
    by_channel = api.get("/templates?channel=whatsapp&language=en").json["data"]
    assert {t["id"] for t in by_channel} == {a["id"], c["id"]}
    assert api.get("/templates?channel=sms").status_code == 400


def test_list_pages_with_a_cursor(api):
    ids = [api.post("/templates", json={**ORDER, "name": f"t{i}"}).json["id"] for i in range(5)]
    first = api.get("/templates?limit=2").json
    assert first["has_more"] is True and len(first["data"]) == 2
    seen = [t["id"] for t in first["data"]]
    cursor = first["next_cursor"]
    while cursor:
        page = api.get(f"/templates?limit=2&cursor={cursor}").json
        seen += [t["id"] for t in page["data"]]
        cursor = page["next_cursor"]
    assert seen == sorted(ids, reverse=True)


def test_delete_removes_the_template_and_frees_its_name(api):
    created = api.post("/templates", json=ORDER).json
    response = api.delete(f"/templates/{created['id']}")
    assert response.status_code == 200
    assert response.json == {"id": created["id"], "object": "template", "deleted": True}
    assert api.get(f"/templates/{created['id']}").status_code == 404
    assert api.delete(f"/templates/{created['id']}").status_code == 404
    assert api.post("/templates", json=ORDER).status_code == 201


def test_other_partners_and_environments_never_see_a_template(api, tenant, other_tenant):
    created = api.post("/templates", json=ORDER).json
    for client in (other_tenant.live, tenant.sandbox):
        assert client.get(f"/templates/{created['id']}").status_code == 404
        assert client.get(f"/templates/{created['id']}").json["code"] == "not_found"
        assert client.delete(f"/templates/{created['id']}").status_code == 404
        assert client.get("/templates").json["data"] == []
        # Each data plane has its own templates: the same name is free there.
        assert client.post("/templates", json=ORDER).status_code == 201
    assert api.get(f"/templates/{created['id']}").status_code == 200


def test_create_with_an_idempotency_key_replays_instead_of_conflicting(api):
    first = api.post("/templates", json=ORDER, idempotency_key="tpl-create-1")
    again = api.post("/templates", json=ORDER, idempotency_key="tpl-create-1")
    assert first.status_code == again.status_code == 201
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert len(api.get("/templates").json["data"]) == 1
