"""A realistic /api/v1 session, every request and response validated with `openapi-core`
against the served document: each operation's success, then the errors an integrator meets
(no key, a bad key, unknown ids, bad bodies and parameters, the wrong media type, bad or
reused Idempotency-Keys, a refused field, the rate limit, an empty wallet), each answer a
documented problem code of its operation; and an agent's /api/mobile session. The admin UI's
/api/internal session is in test_openapi_internal.py."""

from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import update

from app.api.principal import MUTATING
from app.extensions import db
from app.models import Partner
from app.services.tenancy import keys
from tests.api import test_schemathesis as fuzz
from tests.api._openapi_session import UNKNOWN_ID, Session, concrete
from tests.factories import make_partner
from tests.helpers import set_config

# The objects, ids and known-good requests of the property-based test's session.
seeded = fuzz.seeded
_collection, _seeded_id = fuzz._collection, fuzz._seeded_id
# In one session the spare contact is merged away before the deletions: delete another.
GOOD_REQUESTS = {**fuzz.GOOD_REQUESTS, "DELETE /api/v1/contacts/{id}": lambda s: (
    {"id": s["throwaway"]}, None, None)}


@pytest.fixture
def session(client):
    return Session(client, client.get("/api/v1/openapi.json").json)


def test_a_session_through_every_operation_matches_the_document(session, seeded):
    auth = seeded["auth"]
    seeded["throwaway"] = session.client.post("/api/v1/contacts", headers=auth, json={
        "name": "Throwaway", "identities": [{"channel": "email", "address": "t@example.com"}],
    }).json["id"]
    # Changes then deletions last, as a session would: the merge still needs the spare
    # contact, a redelivery the endpoint as it was created.
    for method, path, _operation in sorted(session.operations(),
                                           key=lambda op: (op[0] == "DELETE", op[0] == "PATCH")):
        label = f"{method} {path}"
        if label in GOOD_REQUESTS:
            parameters, query, body = GOOD_REQUESTS[label](seeded)
        else:
            names = re.findall(r"\{([a-z_]+)\}", path)
            parameters = {name: _seeded_id(_collection(path), 0) for name in names}
            query, body = None, None
        headers = dict(auth)
        if method in MUTATING:
            headers["Idempotency-Key"] = str(uuid.uuid4())
        kwargs = {"headers": headers, "query_string": query}
        if body is not None:
            kwargs["json"] = body
        url = concrete(path, parameters)
        response = session.call(method, url, operation=label, **kwargs)
        assert 200 <= response.status_code < 300, (label, response.json)
        if method in MUTATING:  # the same key again: the stored answer, still documented
            replay = session.call(method, url, operation=label, **kwargs)
            assert replay.headers.get("Idempotent-Replayed") == "true" or \
                replay.status_code >= 400, label
    assert session.unexercised() == set()


def test_a_reused_key_and_a_refused_field_match_the_document(session, seeded):
    auth, label = seeded["auth"], "POST /api/v1/messages"
    headers = {**auth, "Idempotency-Key": "order-42"}
    first = session.call("POST", "/api/v1/messages", operation=label, headers=headers,
                         json={"channel": "sms", "to": "+15005550006", "text": "One"})
    assert first.status_code == 202
    reused = session.call("POST", "/api/v1/messages", operation=label, headers=headers,
                          json={"channel": "sms", "to": "+15005550006", "text": "Two"})
    assert reused.json["code"] == "idempotency_key_reused"
    invalid = session.call("POST", "/api/v1/messages", operation=label, valid_request=False,
                           headers=auth, json={"channel": "sms", "to": "12345", "text": "x"})
    assert (invalid.json["code"], invalid.json["param"]) == ("invalid_phone_number", "to")


def test_the_errors_of_every_operation_match_the_document(session, seeded, app, monkeypatch):
    # Hundreds of bad keys from one address: the per-IP ceiling on refused credentials
    # (tested in tests/api/test_throttling.py) would answer 429 before the documented 401s.
    set_config(monkeypatch, app, "AUTH_FAILURE_RATE_LIMIT", 1_000_000)
    auth = seeded["auth"]
    for method, path, operation in session.operations():
        label = f"{method} {path}"
        if operation.get("security") == []:
            continue
        names = re.findall(r"\{([a-z_]+)\}", path)
        url = concrete(path, {name: _seeded_id(_collection(path), 0) for name in names})
        missing = session.call(method, url, operation=label, valid_request=False)
        assert missing.json["code"] == "missing_api_key"
        bad_key = session.call(method, url, operation=label, valid_request=False,
                               headers={"Authorization": "Bearer ak_test_nope"})
        assert bad_key.status_code == 401
        if names:
            unknown = concrete(path, {name: UNKNOWN_ID for name in names})
            answer = session.call(method, unknown, operation=label, valid_request=False,
                                  headers=auth)
            assert answer.status_code in (404, 422), (label, answer.json)
        if method in MUTATING:
            answer = session.call(method, url, operation=label, valid_request=False,
                                  headers={**auth, "Idempotency-Key": "with space"})
            assert answer.json["code"] == "invalid_idempotency_key"
            answer = session.call(method, url, operation=label, valid_request=False,
                                  headers=auth, data="{", content_type="application/json")
            assert answer.json["code"] in ("invalid_json", "not_found"), (label, answer.json)
            answer = session.call(method, url, operation=label, valid_request=False,
                                  headers=auth, data="x=1", content_type="text/plain")
            assert answer.status_code in (415, 404), label
        if "requestBody" in operation:
            answer = session.call(method, url, operation=label, valid_request=False,
                                  headers=auth, json={"surely_not_a_field": 1})
            assert answer.json["code"] in ("unknown_field", "not_found"), (label, answer.json)
        if any(p["in"] == "query" and p["name"] == "limit"
               for p in operation.get("parameters", [])):
            answer = session.call(method, url, operation=label, valid_request=False,
                                  headers=auth, query_string={"limit": "0"})
            assert answer.json["code"] in ("invalid_parameter", "not_found"), label


def test_the_rate_limit_and_insufficient_funds_match_the_document(app, session, seeded):
    auth = seeded["auth"]
    with app.app_context():
        partner = keys.authenticate(auth["Authorization"].removeprefix("Bearer ")).partner_id
        db.session.execute(update(Partner).where(Partner.id == partner)
                           .values(rate_limit_sandbox=3))
        db.session.commit()
    answers = [session.call("GET", "/api/v1/balance", operation="GET /api/v1/balance",
                            headers=auth) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[-1].json["code"] == "rate_limited"
    assert int(answers[-1].headers["Retry-After"]) >= 1


def test_insufficient_funds_matches_the_document(app, session):
    with app.app_context():
        poor = make_partner(name="Poor", balance="0", sandbox_balance="0")
    answer = session.call("POST", "/api/v1/messages", operation="POST /api/v1/messages",
                          headers={"Authorization": f"Bearer {poor.test_key}"},
                          json={"channel": "sms", "to": "+15005550006", "text": "Hi"})
    assert answer.status_code == 402
    assert answer.json["code"] == "insufficient_funds"


def test_an_agents_mobile_session_matches_the_mobile_document(app, client, tenant):
    """The phone's whole session on /api/mobile: sign in, poll, read, reply, register and
    drop a push token, refresh, sign out, and the problems on the way."""
    from app.cli.openapi import document
    from tests.api._mobile import PASSWORD, _user

    with app.app_context():
        session = Session(client, document("mobile"))
    agent_id = _user(app, tenant.partner_id, email="phone@acme.example")
    sent = tenant.live.post("/messages", json={"channel": "sms", "to": "+15005550006",
                                               "text": "Hi"}).json
    conversation = sent["conversation_id"]
    assert tenant.live.post(f"/conversations/{conversation}/assign",
                            json={"agent_id": agent_id}).status_code == 200
    signed_in = session.call("POST", "/api/mobile/auth/token",
                             operation="POST /api/mobile/auth/token",
                             json={"email": "phone@acme.example", "password": PASSWORD})
    assert signed_in.status_code == 200
    wrong = session.call("POST", "/api/mobile/auth/token", operation="POST /api/mobile/auth/token",
                         json={"email": "phone@acme.example", "password": "nope"})
    assert wrong.status_code == 401
    tokens = signed_in.json
    auth = {"Authorization": f"Bearer {tokens['access_token']}"}
    feed = session.call("GET", "/api/mobile/conversations",
                        operation="GET /api/mobile/conversations", headers=auth)
    assert conversation in [c["id"] for c in feed.json["data"]]
    messages = f"/api/mobile/conversations/{conversation}/messages"
    label = "{id}".join(("GET /api/mobile/conversations/", "/messages"))
    assert session.call("GET", messages, operation=label, headers=auth).status_code == 200
    unknown = session.call("GET", messages.replace(conversation, UNKNOWN_ID), operation=label,
                           valid_request=False, headers=auth)
    assert unknown.status_code == 404
    reply = session.call("POST", messages, operation="POST" + label[3:], headers={
        **auth, "Idempotency-Key": "reply-1"}, json={"text": "On it"})
    assert reply.status_code == 202
    empty = session.call("POST", messages, operation="POST" + label[3:], valid_request=False,
                         headers=auth, json={})
    assert empty.json["code"] == "missing_field"
    fcm = "fcm-token-" + "x" * 30
    registered = session.call("POST", "/api/mobile/push_tokens",
                              operation="POST /api/mobile/push_tokens", headers=auth,
                              json={"token": fcm, "platform": "android"})
    assert registered.status_code in (200, 201)
    dropped = session.call("POST", "/api/mobile/push_tokens/unregister",
                           operation="POST /api/mobile/push_tokens/unregister", headers=auth,
                           json={"token": fcm})
    assert dropped.status_code < 300
    refreshed = session.call("POST", "/api/mobile/auth/refresh",
                             operation="POST /api/mobile/auth/refresh",
                             json={"refresh_token": tokens["refresh_token"]})
    assert refreshed.status_code == 200
    new_auth = {"Authorization": f"Bearer {refreshed.json['access_token']}"}
    revoked = session.call("POST", "/api/mobile/auth/revoke",
                           operation="POST /api/mobile/auth/revoke", headers=new_auth,
                           json={"token": refreshed.json["access_token"]})
    assert revoked.status_code < 300
    gone = session.call("GET", "/api/mobile/conversations", valid_request=False,
                        operation="GET /api/mobile/conversations", headers=new_auth)
    assert gone.status_code == 401
    assert session.unexercised() == set()
