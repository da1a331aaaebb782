"""Tenant isolation of lists, of ids given as list filters or in bodies, of identities and
external ids (unique per partner and environment only), and of usage and balances.

The matrices come from the OpenAPI document (see tests/api/_isolation.py).
"""

from __future__ import annotations

import pytest

from app.services.messaging import gateways
from tests.api._isolation import (
    ENVIRONMENTS,
    LIST_OPERATIONS,
    OPERATIONS,
    PREFIX,
    RELATIONS,
    World,
    _assert_answered_as_missing,
    _build,
    _call,
    _collection,
    _contact,
    _missing_like,
    _schema,
    _snapshot,
    make_world,
)
from tests.factories import ApiClient

# Lists of platform data that no tenant owns (the channel registry): nothing to leak.
GLOBAL_LISTS = {f"GET {PREFIX}/channels"}
# Which kind of object an `..._id` query parameter or body field names.
ID_FIELDS = {"contact_id": "contacts", "conversation_id": "conversations",
             "message_id": "messages", "assignee_id": "users", "agent_id": "users",
             "external_id": "external_ids",
             "endpoint_id": "webhook_endpoints"}  # webhooks: endpoint_id


def _id_field_kind(name: str, path: str) -> str:
    if name == "other_id":  # "the other one of this collection", e.g. a merge
        return _collection(path)
    assert name in ID_FIELDS, f"{path}: no idea what `{name}` refers to; add it to ID_FIELDS"
    return ID_FIELDS[name]


@pytest.fixture
def world(app, tenant, other_tenant) -> World:
    return make_world(app, tenant, other_tenant)


# --- object ids in query filters and bodies ----------------------------------------------


def _query_id_cases():
    for label in LIST_OPERATIONS:
        for parameter in OPERATIONS[label].get("parameters", []):
            if parameter["in"] == "query" and parameter["name"].endswith("_id"):
                kind = _id_field_kind(parameter["name"], label)
                # Users are the partner's team in both environments: only another partner's
                # user is foreign.
                for relation in RELATIONS[:1] if kind == "users" else RELATIONS:
                    yield label, parameter["name"], relation


@pytest.mark.parametrize(("label", "name", "relation"), list(_query_id_cases()))
def test_foreign_ids_as_list_filters_match_what_missing_ids_match(world, label, name, relation):
    path = label.split(" ", 1)[1].removeprefix(PREFIX)
    requester = world.owner("A", "live")
    kind = _id_field_kind(name, label)
    foreign = _build(kind, world, world.victim_owner(relation, requester))
    missing_id = _missing_like(foreign)
    got = requester.api.get(path, query_string={name: foreign})
    missing = requester.api.get(path, query_string={name: missing_id})
    assert got.status_code == missing.status_code
    if got.status_code == 200:
        assert got.json["data"] == missing.json["data"] == []
    else:
        _assert_answered_as_missing(got, missing, foreign, missing_id)


def _body_id_cases():
    for label, operation in OPERATIONS.items():
        body = operation.get("requestBody")
        if not body:
            continue
        properties = _schema(body["content"]["application/json"]["schema"]).get(
            "properties", {})
        for name in properties:
            if name.endswith("_id"):
                kind = _id_field_kind(name, label.split(" ", 1)[1])
                for relation in RELATIONS[:1] if kind == "users" else RELATIONS:
                    yield label, name, relation


@pytest.mark.parametrize(("label", "name", "relation"), list(_body_id_cases()))
def test_foreign_ids_in_bodies_are_answered_as_missing_ones(world, label, name, relation):
    """A reference is refused as an unknown one; a key of the partner's own (external_id)
    is accepted as an unused one: another tenant's use of it is invisible."""
    method, path = label.split(" ", 1)
    requester = world.owner("A", "live")
    kind = _id_field_kind(name, path)
    collection = _collection(path)
    own = _build(collection, world, requester) if "{id}" in path else None
    foreign_owner = world.victim_owner(relation, requester)
    foreign = _build(kind, world, foreign_owner)
    before = _snapshot(world, requester, collection, own) if own else None
    foreign_before = (_snapshot(world, foreign_owner, kind, foreign)
                      if f"GET {PREFIX}/{kind}/{{id}}" in OPERATIONS else None)
    missing_id = _missing_like(foreign)
    target = path.replace("{id}", own) if own else path
    got = _call(requester.api, method, target, {name: foreign})
    missing = _call(requester.api, method, target, {name: missing_id})
    assert got.status_code == missing.status_code, (got.json, missing.json)
    if missing.status_code >= 400:
        _assert_answered_as_missing(got, missing, foreign, missing_id)
        if own:
            assert _snapshot(world, requester, collection, own) == before
    if foreign_before is not None:
        assert _snapshot(world, foreign_owner, kind, foreign) == foreign_before


def test_a_foreign_identity_can_be_given_to_an_own_contact(world):
    """Identities are unique per partner and environment only; no 409 reveals another's."""
    requester = world.owner("A", "live")
    for relation in RELATIONS:
        owner = world.victim_owner(relation, requester)
        foreign = _snapshot(world, owner, "contacts", _contact(world, owner))
        created = requester.api.post("/contacts", json={
            "external_id": foreign["external_id"], "identities": foreign["identities"]})
        assert created.status_code == 201, created.json
        assert _snapshot(world, owner, "contacts", foreign["id"]) == foreign


def test_the_id_field_matrices_are_not_empty():
    assert {(label, name) for label, name, _ in _query_id_cases()} >= {
        (f"GET {PREFIX}/messages", "conversation_id"), (f"GET {PREFIX}/messages", "contact_id")}
    assert {(label, name) for label, name, _ in _body_id_cases()} >= {
        (f"POST {PREFIX}/contacts/{{id}}/merge", "other_id")}


def test_a_foreign_identity_finds_no_contact(world):
    requester = world.owner("A", "live")
    for relation in RELATIONS:
        owner = world.victim_owner(relation, requester)
        contact = _snapshot(world, owner, "contacts", _contact(world, owner))
        [identity] = contact["identities"]
        found = requester.api.get("/contacts", query_string=identity)
        assert found.status_code == 200 and found.json["data"] == [], relation


# --- lists -------------------------------------------------------------------------------


def _everything(api: ApiClient, path: str) -> list[dict]:
    items, cursor = [], None
    while True:
        query = {"limit": 100} | ({"cursor": cursor} if cursor else {})
        response = api.get(path, query_string=query)
        assert response.status_code == 200, response.json
        items += response.json["data"]
        if not response.json["has_more"]:
            return items
        cursor = response.json["next_cursor"]


def _populate(world: World) -> None:
    """One of each tenant-owned object in all four data planes, plus a platform gateway."""
    for owner in world.owners.values():
        for kind in ("contacts", "messages", "templates", "gateways",
                     "webhook_endpoints", "events"):  # webhooks: the last two
            _build(kind, world, owner)
    with world.app.app_context():
        gateways.add_gateway("sms", "twilio", "Platform", partner_id=None, environment="live",
                             credentials={"auth_token": "platform-token"})


@pytest.mark.parametrize("requester_env", ENVIRONMENTS)
@pytest.mark.parametrize("label", LIST_OPERATIONS)
def test_lists_show_no_row_of_another_partner_or_environment(world, label, requester_env):
    path = label.split(" ", 1)[1].removeprefix(PREFIX)
    _populate(world)
    requester = world.owner("A", requester_env)
    seen = _everything(requester.api, path)
    assert seen, f"{label} shows the requester nothing; seed its objects in _populate"
    if label in GLOBAL_LISTS:
        return
    assert all("id" in item for item in seen), f"{label}: items without ids; GLOBAL_LISTS?"
    foreign = {}
    for key, owner in world.owners.items():
        if owner is requester:
            continue
        for item in _everything(owner.api, path):
            # Platform gateways are shared by every partner within their environment.
            if not (item.get("shared") and owner.environment == requester.environment):
                foreign[item["id"]] = key
    assert foreign, f"{label}: the other data planes list nothing, so nothing is proven"
    leaked = {item["id"]: foreign[item["id"]] for item in seen if item["id"] in foreign}
    assert leaked == {}
    for item in seen:
        assert item.get("environment", requester_env) == requester_env


def test_the_list_matrix_covers_the_tenant_lists():
    assert {f"GET {PREFIX}/{name}" for name in (
        "contacts", "messages", "conversations", "templates", "gateways",
        "wallet/transactions")} <= set(LIST_OPERATIONS)


def test_usage_counts_only_the_keys_own_data_plane(world):
    _populate(world)
    for owner in world.owners.values():
        usage = owner.api.get("/usage", query_string={"group_by": "status"})
        assert usage.status_code == 200, usage.json
        assert usage.json["totals"]["messages"] == 1


def test_balances_are_per_partner_and_environment(world):
    balances = {key: owner.api.get("/balance").json for key, owner in world.owners.items()}
    _build("messages", world, world.owner("B", "live"))
    after = {key: owner.api.get("/balance").json for key, owner in world.owners.items()}
    changed = {key for key in balances if balances[key] != after[key]}
    assert changed == {("B", "live")}
