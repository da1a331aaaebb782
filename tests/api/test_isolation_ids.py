"""Tenant isolation of object ids in paths, over every `/api/v1` operation that takes one.

Another partner's object, and the same partner's object in the other environment, is answered
exactly as a well-formed id that does not exist, and is left as it was. The matrix comes from
the OpenAPI document (see tests/api/_isolation.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from app.extensions import db
from tests.api._isolation import (
    DOCUMENT,
    ENVIRONMENTS,
    ID_OPERATIONS,
    OPERATIONS,
    PREFIX,
    RELATIONS,
    Owner,
    World,
    _assert_answered_as_missing,
    _build,
    _call,
    _collection,
    _contact,
    _created,
    _event,
    _id_parameters,
    _missing_like,
    _snapshot,
    make_world,
)


@pytest.fixture
def world(app, tenant, other_tenant) -> World:
    return make_world(app, tenant, other_tenant)


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


def _fill(path: str, object_id: str, nested: dict[str, str]) -> str:
    path = path.replace("{id}", object_id)
    for name, value in nested.items():
        path = path.replace(f"{{{name}}}", value)
    return path


def _webhook_delivery(world: World, owner: Owner, endpoint_id: str) -> str:
    """A finished delivery of one of the owner's events to the endpoint."""
    from app.models import Event, WebhookDelivery, WebhookEndpoint
    from app.services.webhooks import delivery as webhook_delivery

    event_id = _event(world, owner)
    with world.app.app_context():
        [delivery_id] = webhook_delivery.create_deliveries(
            db.session.get(Event, event_id), [db.session.get(WebhookEndpoint, endpoint_id)])
        db.session.get(WebhookDelivery, delivery_id).status = "failed"
        db.session.commit()
        return delivery_id


# Builders of objects named by a second path id, nested under the path's `{id}` object.
NESTED: dict[str, Callable[[World, Owner, str], str]] = {"delivery_id": _webhook_delivery}


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

