"""Gateways: who sees which, credentials sealed at rest, and which gateway a send uses."""

from __future__ import annotations

import contextlib
import threading

import pytest
from sqlalchemy import event, func, select, text

from app.api.v1.gateways import GatewayOut
from app.channels import all_channels
from app.channels import get as get_channel
from app.config import parse
from app.errors import ApiError
from app.extensions import db
from app.models import Gateway
from app.services.messaging import gateways

SECRET_TOKEN = "tw-auth-token-5f4dcc3b5aa765d61d8327deb882cf99"
SECRET_URL = "https://AC123:hunter2@api.twilio.example/2010-04-01"


# Every gateway needs the secret its provider's callbacks are verified with.
CALLBACK_SECRETS = {"twilio": {"auth_token": "tw-token"}, "smtp": {"webhook_secret": "smtp-s"},
                    "whatsapp_cloud": {"app_secret": "meta-s"}}


def add(app, channel="sms", provider="twilio", name="Twilio", partner_id=None,
        credentials=None, **kwargs) -> str:
    credentials = {**CALLBACK_SECRETS.get(provider, {}), **(credentials or {})}
    with app.app_context():
        return gateways.add_gateway(channel, provider, name, partner_id=partner_id,
                                    credentials=credentials, **kwargs).id


def ids(response) -> set[str]:
    assert response.status_code == 200, response.json
    return {item["id"] for item in response.json["data"]}


# --- listing ----------------------------------------------------------------------------------


def test_sandbox_key_sees_one_shared_sandbox_gateway_per_channel(tenant):
    response = tenant.sandbox.get("/gateways?limit=100")
    assert response.status_code == 200
    data = response.json["data"]
    assert sorted(item["channel"] for item in data) == sorted(c.name for c in all_channels())
    for item in data:
        channel = get_channel(item["channel"])
        assert item["provider"] == "sandbox" and item["name"] == "Sandbox simulator"
        assert item["environment"] == "sandbox" and item["shared"] is True
        assert item["status"] == "active" and item["object"] == "gateway"
        assert item["capabilities"] == {"delivery_receipts": channel.delivery_receipts,
                                        "read_receipts": channel.read_receipts,
                                        "bounces": channel.bounces}
        GatewayOut.model_validate(item)


def test_sandbox_gateways_are_created_once_however_often_they_are_listed(app, tenant,
                                                                          other_tenant):
    first = ids(tenant.sandbox.get("/gateways?limit=100"))
    assert ids(tenant.sandbox.get("/gateways?limit=100")) == first
    assert ids(other_tenant.sandbox.get("/gateways?limit=100")) == first
    with app.app_context():
        assert [g.id for g in gateways.ensure_sandbox_gateways()] == [
            gateways.sandbox_gateway_id(c.name) for c in all_channels()]
        assert db.session.scalar(select(func.count()).select_from(Gateway)) == 11


def test_live_key_sees_its_own_and_the_platform_gateways_only(app, tenant, other_tenant):
    shared = add(app, name="Platform Twilio")
    own = add(app, "email", "smtp", "Our SMTP", partner_id=tenant.partner_id)
    theirs = add(app, "sms", "twilio", "Globex Twilio", partner_id=other_tenant.partner_id)
    tenant.sandbox.get("/gateways")  # creates the sandbox rows, which live keys never see

    assert ids(tenant.live.get("/gateways")) == {shared, own}
    assert ids(other_tenant.live.get("/gateways")) == {shared, theirs}
    by_id = {item["id"]: item for item in tenant.live.get("/gateways").json["data"]}
    assert by_id[shared]["shared"] is True and by_id[own]["shared"] is False
    assert by_id[own]["environment"] == "live"
    assert by_id[own]["capabilities"]["bounces"] is True


def test_sandbox_key_does_not_see_live_gateways(app, tenant):
    shared = add(app)
    own = add(app, partner_id=tenant.partner_id)
    seen = ids(tenant.sandbox.get("/gateways?limit=100"))
    assert len(seen) == 11 and not seen & {shared, own}


def test_gateway_list_filters_by_channel_and_status_and_paginates(app, tenant):
    sms = add(app, "sms", partner_id=tenant.partner_id)
    disabled = add(app, "sms", name="Old Twilio", partner_id=tenant.partner_id,
                   status="disabled")
    email = add(app, "email", "smtp", "SMTP")
    assert ids(tenant.live.get("/gateways?channel=sms")) == {sms, disabled}
    assert ids(tenant.live.get("/gateways?status=disabled")) == {disabled}
    assert ids(tenant.live.get("/gateways?channel=email&status=active")) == {email}

    first = tenant.live.get("/gateways?limit=2").json
    assert first["has_more"] is True and len(first["data"]) == 2
    rest = tenant.live.get(f"/gateways?limit=2&cursor={first['next_cursor']}").json
    assert rest["has_more"] is False
    assert {i["id"] for i in first["data"] + rest["data"]} == {sms, disabled, email}


def test_gateway_list_refuses_unknown_channel_filter(api):
    response = api.get("/gateways?channel=fax")
    assert response.status_code == 400 and response.json["code"] == "invalid_parameter"


# --- one gateway ------------------------------------------------------------------------------


def test_get_gateway_serves_own_and_shared_ones(app, tenant):
    own = add(app, partner_id=tenant.partner_id)
    shared = add(app, "whatsapp", "whatsapp_cloud", "Meta")
    for gateway_id in (own, shared):
        response = tenant.live.get(f"/gateways/{gateway_id}")
        assert response.status_code == 200 and response.json["id"] == gateway_id
        GatewayOut.model_validate(response.json)


def test_other_partners_and_other_environments_gateways_answer_404(app, tenant, other_tenant):
    theirs = add(app, partner_id=other_tenant.partner_id)
    live_shared = add(app)
    sandbox_sms = gateways.sandbox_gateway_id("sms")
    tenant.sandbox.get("/gateways")

    cases = [(tenant.live, theirs), (tenant.sandbox, theirs), (tenant.sandbox, live_shared),
             (tenant.live, sandbox_sms), (tenant.live, "gw_01HNQX2P8Y9R3T4V5W6Z7A8B9C"),
             (tenant.live, "not-an-id")]
    for client, gateway_id in cases:
        response = client.get(f"/gateways/{gateway_id}")
        assert response.status_code == 404, gateway_id
        assert response.json["code"] == "not_found"
    assert tenant.sandbox.get(f"/gateways/{sandbox_sms}").status_code == 200


# --- credentials ------------------------------------------------------------------------------


def test_credentials_and_base_url_never_appear_in_responses(app, tenant):
    gateway_id = add(app, partner_id=tenant.partner_id, base_url=SECRET_URL,
                     credentials={"account_sid": "AC123", "auth_token": SECRET_TOKEN},
                     settings={"messaging_service_sid": "MG1"})
    bodies = [tenant.live.get("/gateways").get_data(as_text=True),
              tenant.live.get(f"/gateways/{gateway_id}").get_data(as_text=True)]
    for body in bodies:
        assert gateway_id in body
        for secret in (SECRET_TOKEN, "hunter2", SECRET_URL, "AC123", "credentials",
                       "base_url"):
            assert secret not in body


def test_credentials_are_stored_encrypted_and_decrypt_for_the_adapter(app, tenant):
    credentials = {"account_sid": "AC123", "auth_token": SECRET_TOKEN}
    gateway_id = add(app, partner_id=tenant.partner_id, credentials=credentials)
    with app.app_context():
        stored = db.session.execute(
            text("SELECT credentials_encrypted FROM gateways WHERE id = :id"),
            {"id": gateway_id}).scalar_one()
        assert SECRET_TOKEN not in stored and "AC123" not in stored
        assert stored.startswith("gAAAA")  # a Fernet token
        assert gateways.decrypt_credentials(db.session.get(Gateway, gateway_id)) == credentials


def test_gateway_without_credentials_decrypts_to_nothing(app):
    gateway_id = add(app, "push", "fcm", "FCM")  # FCM takes no callbacks: no secret needed
    with app.app_context():
        assert gateways.decrypt_credentials(db.session.get(Gateway, gateway_id)) == {}


def test_dedicated_credentials_key_is_used_and_supports_rotation(app):
    app.config["GATEWAY_CREDENTIALS_KEY"] = parse("GATEWAY_CREDENTIALS_KEY", "old-key")
    try:
        gateway_id = add(app, credentials={"auth_token": "t1"})
        with app.app_context():
            gateway = db.session.get(Gateway, gateway_id)
            app.config["GATEWAY_CREDENTIALS_KEY"] = parse("GATEWAY_CREDENTIALS_KEY",
                                                          "new-key, old-key")
            assert gateways.decrypt_credentials(gateway) == {"auth_token": "t1"}
            app.config["GATEWAY_CREDENTIALS_KEY"] = ("new-key",)
            with pytest.raises(gateways.CredentialsError):
                gateways.decrypt_credentials(gateway)
            app.config["GATEWAY_CREDENTIALS_KEY"] = ()
            with pytest.raises(gateways.CredentialsError):  # SECRET_KEY is a different key
                gateways.decrypt_credentials(gateway)
    finally:
        app.config.pop("GATEWAY_CREDENTIALS_KEY", None)


def test_changing_the_secret_key_makes_old_credentials_undecryptable(app):
    gateway_id = add(app, credentials={"token": "t1"})
    original = app.config["SECRET_KEY"]
    app.config["SECRET_KEY"] = original + "-rotated"
    try:
        with app.app_context(), pytest.raises(gateways.CredentialsError):
            gateways.decrypt_credentials(db.session.get(Gateway, gateway_id))
    finally:
        app.config["SECRET_KEY"] = original


# --- adding gateways --------------------------------------------------------------------------


@pytest.mark.parametrize(("kwargs", "code", "param"), [
    ({"channel": "fax"}, "unknown_channel", "channel"),
    ({"environment": "sandbox"}, "invalid_field", "environment"),
    ({"environment": "staging"}, "invalid_field", "environment"),
    ({"provider": "sandbox"}, "invalid_field", "provider"),
    ({"status": "paused"}, "invalid_field", "status"),
])
def test_add_gateway_refuses_invalid_input_and_writes_nothing(app_ctx, kwargs, code, param):
    arguments = {"channel": "sms", "provider": "twilio", "name": "Twilio", **kwargs}
    with pytest.raises(ApiError) as caught:
        gateways.add_gateway(arguments.pop("channel"), arguments.pop("provider"),
                             arguments.pop("name"), **arguments)
    assert (caught.value.entry.code, caught.value.param) == (code, param)
    assert db.session.scalar(select(func.count()).select_from(Gateway)) == 0


# --- which gateway a send uses ----------------------------------------------------------------


def test_gateway_for_prefers_the_partners_own_active_gateway(app, tenant, other_tenant):
    add(app, name="Platform")  # the oldest of all, yet the partner's own comes first
    theirs = add(app, partner_id=other_tenant.partner_id)
    own = add(app, partner_id=tenant.partner_id)
    add(app, partner_id=tenant.partner_id, name="Second")  # newer: the oldest wins
    with app.app_context():
        assert gateways.gateway_for(tenant.partner_id, "live", "sms").id == own
        assert gateways.gateway_for(other_tenant.partner_id, "live", "sms").id == theirs


def test_gateway_for_falls_back_to_the_platform_when_own_is_disabled_or_absent(app, tenant,
                                                                               other_tenant):
    shared = add(app, name="Platform")
    add(app, partner_id=tenant.partner_id, status="disabled")
    with app.app_context():
        assert gateways.gateway_for(tenant.partner_id, "live", "sms").id == shared
        assert gateways.gateway_for(other_tenant.partner_id, "live", "sms").id == shared


def test_gateway_for_skips_disabled_platform_gateways_and_may_find_none(app, tenant):
    add(app, name="Platform", status="disabled")
    add(app, "email", "smtp", "SMTP")
    with app.app_context():
        assert gateways.gateway_for(tenant.partner_id, "live", "sms") is None
        assert gateways.gateway_for(tenant.partner_id, "live", "push") is None


def test_gateway_for_sandbox_is_always_the_simulator(app, tenant):
    add(app, partner_id=tenant.partner_id)
    add(app, name="Platform")
    with app.app_context():
        for channel in all_channels():
            gateway = gateways.gateway_for(tenant.partner_id, "sandbox", channel.name)
            assert gateway.provider == "sandbox" and gateway.environment == "sandbox"
            assert gateway.channel == channel.name and gateway.partner_id is None
        db.session.commit()
        assert db.session.scalar(select(func.count()).select_from(Gateway)
                                 .where(Gateway.provider == "sandbox")) == 11


def test_gateway_for_refuses_an_unknown_channel(app_ctx):
    with pytest.raises(ValueError, match="fax"):
        gateways.gateway_for("ptr_01HNQX2P8Y9R3T4V5W6Z7A8B9C", "live", "fax")


def test_gateway_object_has_exactly_the_documented_members(app, tenant):
    gateway_id = add(app, partner_id=tenant.partner_id, credentials={"k": "v"})
    item = tenant.live.get(f"/gateways/{gateway_id}").json
    assert set(item) == {"id", "object", "channel", "provider", "name", "environment",
                         "status", "shared", "capabilities", "created_at"}
    assert item["capabilities"] == {
        "delivery_receipts": True, "read_receipts": False, "bounces": False}


def test_concurrent_first_listings_create_each_sandbox_gateway_once(app):
    """Both workers read "none yet", then both insert: the loser takes the winner's rows."""
    barrier = threading.Barrier(2)
    results: dict[int, list[str]] = {}
    errors: list[BaseException] = []

    def hold_after_first_read(conn, cursor, statement, parameters, context, executemany):
        if "FROM gateways" in statement and not getattr(local, "held", False):
            local.held = True
            # On PostgreSQL both get here before either inserts. SQLite's BEGIN IMMEDIATE
            # already serialises them, so the second never arrives: give up waiting.
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait(timeout=2)

    local = threading.local()

    def worker(index: int) -> None:
        try:
            with app.app_context():
                results[index] = [g.id for g in gateways.ensure_sandbox_gateways()]
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "after_cursor_execute", hold_after_first_read)
    try:
        threads = [threading.Thread(target=worker, args=(i,)) for i in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        event.remove(engine, "after_cursor_execute", hold_after_first_read)
    assert errors == []
    assert results[0] == results[1] == [gateways.sandbox_gateway_id(c.name)
                                        for c in all_channels()]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Gateway)) == 11
