"""The world the tenant-isolation tests build, and the matrices they read from the OpenAPI
document.

Every operation that takes an object id answers another partner's object, and the same
partner's object in the other environment, exactly as it answers a well-formed id that does
not exist (404 `not_found`, the same problem apart from the id), and leaves the object as it
was. Lists never show a row of another partner or environment, and foreign ids given as
filters or in bodies are answered as unknown ids are.

The matrices come from the document, so a new endpoint is covered without editing them; one
whose objects these tests cannot build fails, asking for a builder, instead of being skipped.
The tests are in test_isolation_ids.py (ids in paths) and test_isolation_lists.py (lists,
ids in filters and bodies, uniqueness, usage and balances).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field

from ulid import ULID

from app.api import openapi
from app.api.surfaces import v1 as surface
from app.config import Config
from app.extensions import db
from app.models import Gateway
from app.services.messaging import gateways
from tests.factories import ApiClient, make_user

PREFIX = "/api/v1"
ENVIRONMENTS = ("live", "sandbox")
RELATIONS = ("other_partner", "other_environment")


def _document() -> dict:
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


def _collection(path: str) -> str:
    return path.removeprefix(PREFIX + "/").split("/")[0]


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


def make_world(app, tenant, other_tenant) -> World:
    """Partners A and B, each with an agent, in both environments."""
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
                                        environment="live",
                                        credentials={"auth_token": "victim-token"}).id
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

