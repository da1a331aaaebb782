"""Tenant isolation over the whole `/api/v1` surface, built from the OpenAPI document.

Every operation that takes an object id answers another partner's object, and the same
partner's object in the other environment, exactly as it answers a well-formed id that does
not exist (404 `not_found`, the same problem apart from the id), and leaves the object as it
was. Lists never show a row of another partner or environment, and foreign ids given as
filters or in bodies are answered as unknown ids are.

The matrices come from the document, so a new endpoint is covered without editing them; one
whose objects this file cannot build fails, asking for a builder, instead of being skipped.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from ulid import ULID

from app.api import openapi
from app.api.v1 import load_routes, surface
from app.config import Config
from app.extensions import db
from app.models import Gateway
from app.services import gateways
from tests.factories import ApiClient, make_user

PREFIX = "/api/v1"
ENVIRONMENTS = ("live", "sandbox")
RELATIONS = ("other_partner", "other_environment")


def _document() -> dict:
    load_routes()
    return openapi.build(surface, title="Switchboard API", version="1.0.0",
                         server_url=Config.APP_PUBLIC_URL, document_path=PREFIX + "/openapi.json")


DOCUMENT = _document()


def _schema(node: dict) -> dict:
    ref = node.get("$ref")
    return DOCUMENT["components"]["schemas"][ref.rsplit("/", 1)[1]] if ref else node


def _id_parameters(operation: dict) -> list[str]:
    return [p["name"] for p in operation.get("parameters", [])
            if p["in"] == "path" and (p["name"] == "id" or p["name"].endswith("_id"))]


def _is_list(operation: dict) -> bool:
    success = next(r for s, r in operation["responses"].items() if s.startswith("2"))
    content = success.get("content", {}).get("application/json")
    properties = _schema(content["schema"]).get("properties", {}) if content else {}
    return {"data", "has_more", "next_cursor"} <= set(properties)


OPERATIONS = {f"{method.upper()} {path}": operation
              for path, item in DOCUMENT["paths"].items() for method, operation in item.items()}
ID_OPERATIONS = [label for label, operation in OPERATIONS.items() if _id_parameters(operation)]
LIST_OPERATIONS = [label for label, operation in OPERATIONS.items()
                   if label.startswith("GET ") and "{" not in label and _is_list(operation)]
# Lists of platform data that no tenant owns (the channel registry): nothing to leak.
GLOBAL_LISTS = {f"GET {PREFIX}/channels"}
# Which kind of object an `..._id` query parameter or body field names.
ID_FIELDS = {"contact_id": "contacts", "conversation_id": "conversations",
             "message_id": "messages", "assignee_id": "users", "agent_id": "users",
             "external_id": "external_ids",
             "endpoint_id": "webhook_endpoints"}  # webhooks: endpoint_id


def _collection(path: str) -> str:
    return path.removeprefix(PREFIX + "/").split("/")[0]


def _id_field_kind(name: str, path: str) -> str:
    if name == "other_id":  # "the other one of this collection", e.g. a merge
        return _collection(path)
    assert name in ID_FIELDS, f"{path}: no idea what `{name}` refers to; add it to ID_FIELDS"
    return ID_FIELDS[name]


# --- the tenants and their objects -------------------------------------------------------


@dataclass
class Owner:
    """One partner's data plane in one environment."""

    partner_id: str
    environment: str
    api: ApiClient
    agent_id: str | None = None


@dataclass
class World:
    app: object
    owners: dict[tuple[str, str], Owner]
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def owner(self, partner: str, environment: str) -> Owner:
        return self.owners[(partner, environment)]

    def victim_owner(self, relation: str, requester: Owner) -> Owner:
        if relation == "other_partner":
            return self.owner("B", requester.environment)
        other = "sandbox" if requester.environment == "live" else "live"
        return self.owner("A", other)


@pytest.fixture
def world(app, tenant, other_tenant) -> World:
    owners = {}
    for name, t in (("A", tenant), ("B", other_tenant)):
        with app.app_context():
            agent_id = make_user("agent", partner_id=t.partner_id).id
        for environment in ENVIRONMENTS:
            api = t.live if environment == "live" else t.sandbox
            owners[(name, environment)] = Owner(t.partner_id, environment, api, agent_id)
    return World(app, owners)


def _created(response) -> dict:
    assert response.status_code in (200, 201, 202), response.json
    return response.json


def _send(world: World, owner: Owner) -> dict:
    number = next(world.counter)
    return _created(owner.api.post("/messages", json={
        "channel": "email", "to": f"victim{number}@example.com", "subject": "Hi",
        "text": "Isolation"}))


def _contact(world: World, owner: Owner) -> str:
    number = next(world.counter)
    return _created(owner.api.post("/contacts", json={
        "name": f"Victim {number}", "external_id": f"victim-{number}",
        "identities": [{"channel": "email", "address": f"contact{number}@example.com"}],
        "attributes": {"tier": "gold"}}))["id"]


def _template(world: World, owner: Owner) -> str:
    return _created(owner.api.post("/templates", json={
        "name": f"victim_{next(world.counter)}", "language": "en",
        "body": "Hi {{name}}"}))["id"]


def _gateway(world: World, owner: Owner) -> str:
    with world.app.app_context():
        if owner.environment == "live":
            return gateways.add_gateway("sms", "twilio", "Victim", partner_id=owner.partner_id,
                                        environment="live").id
        # The service refuses private sandbox gateways (sandbox traffic always uses the
        # simulator), but the queries must hide such a row from everyone else all the same.
        gateway = Gateway(partner_id=owner.partner_id, environment="sandbox", channel="sms",
                          provider="twilio", name="Victim", settings={}, status="active")
        db.session.add(gateway)
        db.session.commit()
        return gateway.id


# --- webhooks: builders for webhook endpoints and events ---------------------------------
def _webhook_endpoint(world: World, owner: Owner) -> str:
    return _created(owner.api.post("/webhook_endpoints", json={
        "url": f"https://93.184.215.14/victim/{next(world.counter)}",
        "description": "Victim", "event_types": ["conversation.assigned"]}))["id"]


def _event(world: World, owner: Owner) -> str:
    from app.services import events, tx

    with world.app.app_context():
        event = events.record(owner.partner_id, owner.environment, "conversation.assigned",
                              {"id": f"cnv_victim_{next(world.counter)}"})
        tx.commit()
        return event.id
# --- end webhooks


BUILDERS: dict[str, Callable[[World, Owner], str]] = {
    "contacts": _contact,
    "messages": lambda world, owner: _send(world, owner)["id"],
    "conversations": lambda world, owner: _send(world, owner)["conversation_id"],
    "templates": _template,
    "gateways": _gateway,
    "webhook_endpoints": _webhook_endpoint,  # webhooks
    "events": _event,  # webhooks
    "users": lambda world, owner: owner.agent_id,
    # A contact's external id: the partner's own key for it, looked up like an id.
    "external_ids": lambda world, owner: _snapshot(
        world, owner, "contacts", _contact(world, owner))["external_id"],
}


def _build(kind: str, world: World, owner: Owner) -> str:
    assert kind in BUILDERS, f"no builder for `{kind}` objects: add one to BUILDERS"
    return BUILDERS[kind](world, owner)


def _missing_like(object_id: str) -> str:
    prefix, _, rest = object_id.partition("_")
    return f"{prefix}_{ULID()}" if len(rest) == 26 else f"missing-{ULID()}"


# --- what each operation is sent with ----------------------------------------------------

def _assign_to_own_agent(owner: Owner, conversation_id: str) -> None:
    _created(owner.api.post(f"/conversations/{conversation_id}/assign",
                            json={"agent_id": owner.agent_id}))


def _close(owner: Owner, conversation_id: str) -> None:
    _created(owner.api.post(f"/conversations/{conversation_id}/close"))


# Owner-side preparation that makes a leaked action visible: a leaked unassign would clear
# the assignee, a leaked reopen would reopen a closed conversation.
PREPARE: dict[str, Callable[[Owner, str], None]] = {
    f"POST {PREFIX}/conversations/{{id}}/assign": _assign_to_own_agent,
    f"POST {PREFIX}/conversations/{{id}}/reopen": _close,
}
# A valid body, so the request reaches the lookup (invalid bodies are refused before it).
BODIES: dict[str, Callable[[World, Owner], dict]] = {
    f"PATCH {PREFIX}/contacts/{{id}}": lambda world, requester: {
        "name": "Hijacked", "attributes": {"tier": None}},
    f"POST {PREFIX}/contacts/{{id}}/merge": lambda world, requester: {
        "other_id": _contact(world, requester)},
    f"POST {PREFIX}/conversations/{{id}}/assign": lambda world, requester: {"agent_id": None},
    f"POST {PREFIX}/webhook_endpoints/{{id}}/replay": lambda world, requester: {  # webhooks
        "since": "2020-01-01T00:00:00Z"},
}


def _call(api: ApiClient, method: str, path: str, body: dict | None):
    kwargs = {} if body is None else {"json": body}
    return getattr(api, method.lower())(path.removeprefix(PREFIX), **kwargs)


def _snapshot(world: World, owner: Owner, kind: str, object_id: str) -> dict:
    """The object as its owner reads it."""
    label = f"GET {PREFIX}/{kind}/{{id}}"
    assert label in OPERATIONS, f"`{kind}` has no {label} to check that it is unchanged"
    response = owner.api.get(f"/{kind}/{object_id}")
    assert response.status_code == 200, response.json
    return response.json


def _assert_answered_as_missing(got, missing, got_id: str, missing_id: str) -> None:
    assert got.status_code == missing.status_code, (got.status_code, got.json)
    assert got.mimetype == missing.mimetype == "application/problem+json"
    a, b = got.json, missing.json
    assert set(a) == set(b)
    for key in ("type", "title", "status", "code", "param"):
        assert a[key] == b[key], key
    assert a["detail"].replace(got_id, "<id>") == b["detail"].replace(missing_id, "<id>")


# --- object ids in paths -----------------------------------------------------------------


@pytest.mark.parametrize("requester_env", ENVIRONMENTS)
@pytest.mark.parametrize("relation", RELATIONS)
@pytest.mark.parametrize("label", ID_OPERATIONS)
def test_foreign_object_ids_are_answered_as_missing_and_left_unchanged(
        world, label, relation, requester_env):
    method, path = label.split(" ", 1)
    names = _id_parameters(OPERATIONS[label])
    assert names[0] == "id" and set(names[1:]) <= set(NESTED), (
        f"{label}: an id nested under `{{id}}` needs a builder in NESTED")
    kind = _collection(path)
    requester = world.owner("A", requester_env)
    owner = world.victim_owner(relation, requester)
    victim = _build(kind, world, owner)
    nested = {name: NESTED[name](world, owner, victim) for name in names[1:]}
    if label in PREPARE:
        PREPARE[label](owner, victim)
    body = BODIES[label](world, requester) if label in BODIES else None
    before = _snapshot(world, owner, kind, victim)

    missing_id = _missing_like(victim)
    missing_nested = {name: _missing_like(value) for name, value in nested.items()}
    got = _call(requester.api, method, _fill(path, victim, nested), body)
    missing = _call(requester.api, method, _fill(path, missing_id, missing_nested), body)

    assert missing.status_code == 404 and missing.json["code"] == "not_found", (
        f"{label} answers a missing id with {missing.status_code} {missing.json}; "
        "give it a valid body in BODIES")
    _assert_answered_as_missing(got, missing, victim, missing_id)
    if nested:  # the requester's own parent with the victim's nested object
        own = _build(kind, world, requester)
        for name, value in nested.items():
            got = _call(requester.api, method, _fill(path, own, {**missing_nested, name: value}),
                        body)
            missing = _call(requester.api, method, _fill(path, own, missing_nested), body)
            assert missing.status_code == 404, (label, missing.json)
            _assert_answered_as_missing(got, missing, value, missing_nested[name])
    assert _snapshot(world, owner, kind, victim) == before


def _fill(path: str, object_id: str, nested: dict[str, str]) -> str:
    path = path.replace("{id}", object_id)
    for name, value in nested.items():
        path = path.replace(f"{{{name}}}", value)
    return path


def _webhook_delivery(world: World, owner: Owner, endpoint_id: str) -> str:
    """A finished delivery of one of the owner's events to the endpoint."""
    from app.models import Event, WebhookDelivery, WebhookEndpoint
    from app.services import webhook_delivery

    event_id = _event(world, owner)
    with world.app.app_context():
        [delivery_id] = webhook_delivery.create_deliveries(
            db.session.get(Event, event_id), [db.session.get(WebhookEndpoint, endpoint_id)])
        db.session.get(WebhookDelivery, delivery_id).status = "failed"
        db.session.commit()
        return delivery_id


# Builders of objects named by a second path id, nested under the path's `{id}` object.
NESTED: dict[str, Callable[[World, Owner, str], str]] = {"delivery_id": _webhook_delivery}


# Path parameters that name platform data, not a tenant's object.
NOT_OBJECT_IDS = {(f"{PREFIX}/channels/{{name}}", "name")}


def test_the_matrices_are_built_from_the_served_document(client):
    assert client.get(PREFIX + "/openapi.json").json == DOCUMENT


def test_every_path_parameter_is_an_object_id_or_known_platform_data():
    for label, operation in OPERATIONS.items():
        path = label.split(" ", 1)[1]
        for parameter in operation.get("parameters", []):
            if parameter["in"] != "path":
                continue
            if parameter["name"] in _id_parameters(operation):
                assert parameter["schema"].get("pattern", "").startswith("^"), label
            else:
                assert (path, parameter["name"]) in NOT_OBJECT_IDS, (
                    f"{label}: is `{parameter['name']}` an object id? Name it `id`/`..._id`, "
                    "or list it in NOT_OBJECT_IDS")


def test_the_path_matrix_covers_every_object_collection():
    kinds = {_collection(label.split(" ", 1)[1]) for label in ID_OPERATIONS}
    assert {"contacts", "conversations", "messages", "templates", "gateways"} <= kinds
    assert len(ID_OPERATIONS) >= 13


def test_a_live_key_cannot_read_the_shared_sandbox_simulator(world):
    sandbox = world.owner("A", "sandbox")
    simulator = [g for g in sandbox.api.get("/gateways?limit=100").json["data"] if g["shared"]]
    assert simulator, "the sandbox lists its simulator gateways"
    live = world.owner("A", "live").api
    for gateway in simulator:
        missing_id = _missing_like(gateway["id"])
        _assert_answered_as_missing(live.get(f"/gateways/{gateway['id']}"),
                                    live.get(f"/gateways/{missing_id}"), gateway["id"],
                                    missing_id)


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
        gateways.add_gateway("sms", "twilio", "Platform", partner_id=None, environment="live")


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
