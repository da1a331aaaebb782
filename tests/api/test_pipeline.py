"""The request pipeline itself, on a small test surface: auth, rate limit, idempotency, audit.

The endpoints below write real rows (contacts) so that "stored with the effect" and "nothing
written" are checked against the database, not against the pipeline's own bookkeeping.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import timedelta

import pytest
from flask import Blueprint
from pydantic import BaseModel
from sqlalchemy import func, select, update

from app import create_app
from app.api.authn.keys import authenticate_api_key
from app.api.pipeline import Surface
from app.api.schemas import Strict
from app.extensions import db
from app.models import AccessKey, AuditLog, Contact, IdempotencyRecord, Partner
from app.models.base import utcnow
from app.services import tx
from app.services.tenancy import keys
from tests.factories import make_partner

ENTERED = threading.Event()
RELEASE = threading.Event()


class ThingIn(Strict):
    name: str
    block: bool = False
    crash: bool = False


class ThingOut(BaseModel):
    id: str
    object: str
    name: str


def _build_app(**overrides):
    app = create_app({"ENV_NAME": "testing", **overrides})
    bp = Blueprint("pipeline_test", __name__, url_prefix="/api/test")
    surface = Surface("v1", bp, authenticate_api_key)

    @surface.endpoint("/things", "POST", summary="Create a thing", body=ThingIn,
                      response=ThingOut, status=201)
    def create_thing(principal, body: ThingIn):
        contact = Contact(partner_id=principal.partner_id, environment=principal.environment,
                          name=body.name, attributes={})
        db.session.add(contact)
        tx.commit()
        if body.block:
            ENTERED.set()
            RELEASE.wait(20)
        if body.crash:
            raise RuntimeError("worker died after writing")
        return {"id": contact.id, "object": "thing", "name": contact.name}

    @surface.endpoint("/things/<id>", "GET", summary="Get a thing", response=ThingOut)
    def get_thing(principal, id):
        contact = db.session.get(Contact, id)
        return {"id": contact.id, "object": "thing", "name": contact.name}

    from app.extensions import csrf

    csrf.exempt(bp)
    app.register_blueprint(bp)
    return app


@pytest.fixture
def papp(app):
    """A fresh app sharing the session's database and Redis, with the test surface."""
    return _build_app()


@pytest.fixture
def partner(app):
    with app.app_context():
        return make_partner()


def _auth(key):
    return {"Authorization": f"Bearer {key}"}


def _count(app, model, **filters):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).filter_by(**filters))


# --- authentication ---------------------------------------------------------------------

def test_missing_key_is_401_missing_api_key(papp):
    response = papp.test_client().post("/api/test/things", json={"name": "a"})
    assert response.status_code == 401
    assert response.json["code"] == "missing_api_key"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer nope", "Basic abc", "Bearer ak_live_short"])
def test_malformed_credentials_are_401(papp, header):
    response = papp.test_client().get("/api/test/things/con_01HNQX2P8Y9R3T4V5W6Z7A8B9C",
                                      headers={"Authorization": header})
    assert response.status_code == 401
    assert response.json["code"] in ("invalid_api_key", "missing_api_key")


def test_well_formed_but_unknown_key_is_invalid_api_key(papp, partner):
    response = papp.test_client().post("/api/test/things", json={"name": "a"},
                                       headers=_auth(keys.generate("live")))
    assert response.status_code == 401 and response.json["code"] == "invalid_api_key"


def test_revoked_key_has_its_own_code(papp, partner):
    with papp.app_context():
        keys.revoke(keys.find(partner.live_key).id)
    response = papp.test_client().post("/api/test/things", json={"name": "a"},
                                       headers=_auth(partner.live_key))
    assert response.status_code == 401 and response.json["code"] == "revoked_api_key"


def test_key_prefix_selects_the_environment(papp, partner):
    client = papp.test_client()
    live = client.post("/api/test/things", json={"name": "l"}, headers=_auth(partner.live_key))
    test = client.post("/api/test/things", json={"name": "s"}, headers=_auth(partner.test_key))
    with papp.app_context():
        assert db.session.get(Contact, live.json["id"]).environment == "live"
        assert db.session.get(Contact, test.json["id"]).environment == "sandbox"


# --- rate limits ------------------------------------------------------------------------

def test_rate_limit_headers_on_every_response_and_429_with_retry_after(papp, partner):
    with papp.app_context():
        db.session.execute(update(Partner).values(rate_limit_live=3))
        db.session.commit()
    client = papp.test_client()
    url = "/api/test/things/con_01HNQX2P8Y9R3T4V5W6Z7A8B9C"
    responses = [client.get(url, headers=_auth(partner.live_key)) for _ in range(4)]
    assert [r.headers["X-RateLimit-Remaining"] for r in responses[:3]] == ["2", "1", "0"]
    for r in responses:
        assert r.headers["RateLimit-Policy"] == "3;w=60"
        assert r.headers["RateLimit"].startswith("limit=3, remaining=")
        assert r.headers["X-RateLimit-Limit"] == "3"
        assert int(r.headers["X-RateLimit-Reset"]) > 1_700_000_000
    limited = responses[3]
    assert limited.status_code == 429 and limited.json["code"] == "rate_limited"
    assert 1 <= int(limited.headers["Retry-After"]) <= 60
    # The sandbox has its own budget.
    sandbox = client.get(url, headers=_auth(partner.test_key))
    assert sandbox.status_code != 429
    assert sandbox.headers["RateLimit-Policy"] == f"{papp.config['RATE_LIMIT_SANDBOX']};w=60"


def test_the_first_request_of_a_window_says_when_it_resets(papp, partner):
    """Not `reset=0`: the window the first request opens resets a full window later."""
    asked_at = time.time()
    response = papp.test_client().get("/api/test/things/con_01HNQX2P8Y9R3T4V5W6Z7A8B9C",
                                      headers=_auth(partner.live_key))
    reset = int(re.search(r"reset=(\d+)$", response.headers["RateLimit"]).group(1))
    assert 1 <= reset <= 60
    assert 0 < int(response.headers["X-RateLimit-Reset"]) - asked_at <= 62


def test_rate_limits_are_per_partner(papp, partner, app):
    with papp.app_context():
        other = make_partner(name="Other")
        db.session.execute(update(Partner).where(Partner.id == partner.partner_id)
                           .values(rate_limit_live=1))
        db.session.commit()
    client = papp.test_client()
    url = "/api/test/things/con_01HNQX2P8Y9R3T4V5W6Z7A8B9C"
    client.get(url, headers=_auth(partner.live_key))
    assert client.get(url, headers=_auth(partner.live_key)).status_code == 429
    assert client.get(url, headers=_auth(other.live_key)).status_code != 429


# --- idempotency ------------------------------------------------------------------------

def test_same_key_same_request_replays_byte_identical_response_once_written(papp, partner):
    client = papp.test_client()
    headers = {**_auth(partner.live_key), "Idempotency-Key": "abc-123"}
    first = client.post("/api/test/things", json={"name": "one"}, headers=headers)
    second = client.post("/api/test/things", json={"name": "one"}, headers=headers)
    assert first.status_code == second.status_code == 201
    assert second.get_data() == first.get_data()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert second.headers["Request-Id"] != first.headers["Request-Id"]
    assert _count(papp, Contact, name="one") == 1


def test_quoted_and_bare_keys_are_the_same_key(papp, partner):
    client = papp.test_client()
    first = client.post("/api/test/things", json={"name": "q"},
                        headers={**_auth(partner.live_key), "Idempotency-Key": "k-1"})
    second = client.post("/api/test/things", json={"name": "q"},
                         headers={**_auth(partner.live_key), "Idempotency-Key": '"k-1"'})
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert second.get_data() == first.get_data()


def test_same_key_different_request_is_422_reused(papp, partner):
    client = papp.test_client()
    headers = {**_auth(partner.live_key), "Idempotency-Key": "abc-123"}
    client.post("/api/test/things", json={"name": "one"}, headers=headers)
    other = client.post("/api/test/things", json={"name": "two"}, headers=headers)
    assert other.status_code == 422 and other.json["code"] == "idempotency_key_reused"
    assert _count(papp, Contact, name="two") == 0


def test_keys_are_scoped_per_partner_and_environment(papp, partner):
    client = papp.test_client()
    with papp.app_context():
        other = make_partner(name="Other")
    for key in (partner.live_key, partner.test_key, other.live_key):
        response = client.post("/api/test/things", json={"name": "x"},
                               headers={**_auth(key), "Idempotency-Key": "shared"})
        assert response.status_code == 201
        assert "Idempotent-Replayed" not in response.headers
    assert _count(papp, Contact, name="x") == 3


@pytest.mark.parametrize("bad", ["x" * 256, "has space", "tab\there", ""])
def test_malformed_idempotency_key_is_400(papp, partner, bad):
    response = papp.test_client().post(
        "/api/test/things", json={"name": "a"},
        headers={**_auth(partner.live_key), "Idempotency-Key": bad})
    assert response.status_code == 400 and response.json["code"] == "invalid_idempotency_key"
    assert _count(papp, Contact) == 0


def test_a_255_character_key_is_accepted(papp, partner):
    response = papp.test_client().post(
        "/api/test/things", json={"name": "a"},
        headers={**_auth(partner.live_key), "Idempotency-Key": "k" * 255})
    assert response.status_code == 201


def test_failed_validation_stores_nothing_so_the_key_stays_usable(papp, partner):
    client = papp.test_client()
    headers = {**_auth(partner.live_key), "Idempotency-Key": "fix-and-retry"}
    bad = client.post("/api/test/things", json={"nam": "typo"}, headers=headers)
    assert bad.status_code == 422 and bad.json["code"] == "unknown_field"
    assert bad.json["param"] == "nam"
    assert _count(papp, IdempotencyRecord) == 0
    good = client.post("/api/test/things", json={"name": "fixed"}, headers=headers)
    assert good.status_code == 201 and "Idempotent-Replayed" not in good.headers


def test_a_crash_after_writing_leaves_neither_effect_nor_record(papp, partner):
    client = papp.test_client()
    headers = {**_auth(partner.live_key), "Idempotency-Key": "crashy"}
    crashed = client.post("/api/test/things", json={"name": "c", "crash": True}, headers=headers)
    assert crashed.status_code == 500 and crashed.json["code"] == "internal_error"
    assert _count(papp, Contact, name="c") == 0
    assert _count(papp, IdempotencyRecord) == 0


def test_concurrent_request_with_the_same_key_is_409_in_use(papp, partner):
    ENTERED.clear()
    RELEASE.clear()
    headers = {**_auth(partner.live_key), "Idempotency-Key": "slow"}
    results = {}

    def first():
        results["first"] = papp.test_client().post(
            "/api/test/things", json={"name": "slow", "block": True}, headers=headers)

    thread = threading.Thread(target=first)
    thread.start()
    # On SQLite the second call's audit row waits for the first call's write lock, so let
    # the first finish shortly; the 409 is decided before that, while the first is in flight.
    releaser = threading.Timer(1.0, RELEASE.set)
    try:
        assert ENTERED.wait(20), "first request never reached its handler"
        releaser.start()
        second = papp.test_client().post("/api/test/things",
                                         json={"name": "slow", "block": True}, headers=headers)
    finally:
        releaser.cancel()
        RELEASE.set()
        thread.join(30)
    assert second.status_code == 409 and second.json["code"] == "idempotency_key_in_use"
    assert second.headers["Retry-After"] == "1"
    assert results["first"].status_code == 201
    third = papp.test_client().post("/api/test/things", json={"name": "slow", "block": True},
                                    headers=headers)
    assert third.headers["Idempotent-Replayed"] == "true"
    assert _count(papp, Contact, name="slow") == 1


def test_records_older_than_24_hours_no_longer_replay(papp, partner):
    client = papp.test_client()
    headers = {**_auth(partner.live_key), "Idempotency-Key": "old"}
    client.post("/api/test/things", json={"name": "o"}, headers=headers)
    with papp.app_context():
        db.session.execute(update(IdempotencyRecord).values(
            created_at=utcnow() - timedelta(hours=25)))
        db.session.commit()
    again = client.post("/api/test/things", json={"name": "o"}, headers=headers)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again.headers
    assert _count(papp, Contact, name="o") == 2


def test_without_redis_idempotency_still_holds_through_the_database(partner, app):
    client = _build_app(REDIS_URL="redis://127.0.0.1:1/0").test_client()
    headers = {**_auth(partner.live_key), "Idempotency-Key": "no-redis"}
    first = client.post("/api/test/things", json={"name": "nr"}, headers=headers)
    second = client.post("/api/test/things", json={"name": "nr"}, headers=headers)
    assert first.status_code == 201, first.json
    assert "RateLimit" not in first.headers  # the limiter failed open
    assert second.headers["Idempotent-Replayed"] == "true"
    assert _count(app, Contact, name="nr") == 1


# --- request bodies -----------------------------------------------------------------------

def test_malformed_json_is_400_invalid_json(papp, partner):
    response = papp.test_client().post("/api/test/things", data="{not json",
                                       content_type="application/json",
                                       headers=_auth(partner.live_key))
    assert response.status_code == 400 and response.json["code"] == "invalid_json"


def test_json_that_is_not_an_object_is_400(papp, partner):
    response = papp.test_client().post("/api/test/things", json=[1, 2],
                                       headers=_auth(partner.live_key))
    assert response.status_code == 400 and response.json["code"] == "invalid_json"


def test_non_json_content_type_is_415(papp, partner):
    response = papp.test_client().post("/api/test/things", data="name=a",
                                       content_type="application/x-www-form-urlencoded",
                                       headers=_auth(partner.live_key))
    assert response.status_code == 415 and response.json["code"] == "unsupported_media_type"


def test_oversized_body_is_413_problem(papp, partner):
    response = papp.test_client().post("/api/test/things",
                                       data='{"name": "' + "x" * (1024 * 1024 + 10) + '"}',
                                       content_type="application/json",
                                       headers=_auth(partner.live_key))
    assert response.status_code == 413 and response.json["code"] == "payload_too_large"


def test_missing_and_mistyped_fields_are_422_with_every_error(papp, partner):
    response = papp.test_client().post("/api/test/things", json={"block": "maybe", "x": 1},
                                       headers=_auth(partner.live_key))
    assert response.status_code == 422
    codes = {(e["param"], e["code"]) for e in response.json["errors"]}
    assert codes == {("name", "missing_field"), ("block", "invalid_field"),
                     ("x", "unknown_field")}


# --- audit --------------------------------------------------------------------------------

def test_every_call_is_audited_with_its_request_id(papp, partner):
    client = papp.test_client()
    created = client.post("/api/test/things", json={"name": "a"},
                          headers={**_auth(partner.live_key), "Idempotency-Key": "aud-1",
                                   "User-Agent": "acme-sdk/1.0"})
    denied = client.get("/api/test/things/con_01HNQX2P8Y9R3T4V5W6Z7A8B9C")
    with papp.app_context():
        row = db.session.scalar(select(AuditLog).where(
            AuditLog.request_id == created.headers["Request-Id"]))
        assert row.surface == "v1" and row.method == "POST" and row.path == "/api/test/things"
        assert row.status == 201 and row.partner_id == partner.partner_id
        assert row.environment == "live" and row.idempotency_key == "aud-1"
        assert row.actor == keys.find(partner.live_key).id
        assert created.json["id"] in row.object_ids
        assert row.user_agent == "acme-sdk/1.0" and row.latency_ms is not None
        anonymous = db.session.scalar(select(AuditLog).where(
            AuditLog.request_id == denied.headers["Request-Id"]))
        assert anonymous.status == 401 and anonymous.partner_id is None
        assert db.session.scalar(select(func.count()).select_from(AccessKey)) == 2


def test_stored_responses_are_encrypted_at_rest(papp, partner):
    """A replayable response may hold a secret shown once: the database never has it in clear."""
    client = papp.test_client()
    headers = {**_auth(partner.live_key), "Idempotency-Key": "sealed"}
    first = client.post("/api/test/things", json={"name": "a-very-recognisable-name"},
                        headers=headers)
    with papp.app_context():
        stored = db.session.scalar(select(IdempotencyRecord.body))
    assert b"a-very-recognisable-name" not in stored and first.json["id"].encode() not in stored
    replay = client.post("/api/test/things", json={"name": "a-very-recognisable-name"},
                         headers=headers)
    assert replay.get_data() == first.get_data()
