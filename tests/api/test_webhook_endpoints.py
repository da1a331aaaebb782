"""Webhook endpoints over the API: CRUD, secrets shown once and sealed at rest, SSRF checks
at creation and update, rotation, the operators' platform endpoint, tenant isolation."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest
from sqlalchemy import select, text

from app.cli.webhooks import webhook_cli
from app.extensions import db
from app.models import Event, WebhookDelivery, WebhookEndpoint
from app.models.base import utcnow
from app.services import dispatch, events, tx
from app.services.webhooks import delivery as webhook_delivery
from app.services.webhooks import endpoints as webhooks
from app.services.webhooks import ssrf
from tests.helpers import set_config

PUBLIC_URL = "https://93.184.215.14/hooks/switchboard"
FIELDS = ["id", "object", "url", "description", "event_types", "status", "disabled_reason",
          "disabled_at", "failing_since", "created_at", "updated_at"]


def _create(api, **fields) -> dict:
    response = api.post("/webhook_endpoints", json={"url": PUBLIC_URL, **fields})
    assert response.status_code == 201, response.json
    return response.json


def _secret_bytes(secret: str) -> bytes:
    assert secret.startswith("whsec_")
    return base64.b64decode(secret.removeprefix("whsec_"), validate=True)


# Create, read, list


def test_create_shows_the_endpoint_and_its_secret_once(api):
    body = _create(api, description="Orders", event_types=["message.delivered"])
    assert list(body) == [*FIELDS, "secret"]
    assert body["id"].startswith("we_") and body["object"] == "webhook_endpoint"
    assert (body["url"], body["description"], body["event_types"]) == (
        PUBLIC_URL, "Orders", ["message.delivered"])
    assert (body["status"], body["disabled_reason"]) == ("enabled", None)
    assert 24 <= len(_secret_bytes(body["secret"])) <= 32
    fetched = api.get(f"/webhook_endpoints/{body['id']}")
    assert fetched.status_code == 200
    assert list(fetched.json) == FIELDS
    assert fetched.json == {k: v for k, v in body.items() if k != "secret"}


def test_an_empty_event_filter_means_every_event(api):
    assert _create(api)["event_types"] == []


def test_the_secret_is_never_listed_nor_stored_in_clear(app, api):
    created = _create(api)
    secret = created["secret"]
    raw = base64.b64encode(_secret_bytes(secret)).decode()
    listed = api.get("/webhook_endpoints")
    assert [e["id"] for e in listed.json["data"]] == [created["id"]]
    for response in (listed, api.get(f"/webhook_endpoints/{created['id']}")):
        assert "secret" not in response.get_data(as_text=True)
        assert raw not in response.get_data(as_text=True)
    with app.app_context():
        row = db.session.execute(text("SELECT * FROM webhook_endpoints")).mappings().one()
        stored = " ".join(str(value) for value in row.values())
        assert secret not in stored and raw not in stored
        endpoint = db.session.get(WebhookEndpoint, created["id"])
        assert webhooks.signing_secrets(endpoint) == [secret]


def test_unknown_event_types_are_refused(api):
    response = api.post("/webhook_endpoints", json={"url": PUBLIC_URL,
                                                    "event_types": ["message.exploded"]})
    assert response.status_code == 422
    assert response.json["code"] == "invalid_field"
    assert response.json["param"].startswith("event_types")


def test_endpoints_are_listed_newest_first_with_a_cursor(api):
    ids = [_create(api)["id"] for _ in range(3)]
    first = api.get("/webhook_endpoints?limit=2").json
    assert [e["id"] for e in first["data"]] == ids[::-1][:2] and first["has_more"]
    second = api.get(f"/webhook_endpoints?limit=2&cursor={first['next_cursor']}").json
    assert [e["id"] for e in second["data"]] == [ids[0]] and not second["has_more"]


# SSRF at creation and update


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://localhost/hook", "https://10.0.0.8/hook",
    "https://192.168.1.20/hook", "https://172.16.0.1/hook", "https://169.254.169.254/latest",
    "https://[::1]/hook", "https://[fe80::1]/hook", "https://[fc00::1]/hook",
    "https://[::ffff:10.0.0.1]/hook", "https://0.0.0.0/hook", "https://100.64.0.1/hook",
    "https://224.0.0.1/hook",
])
def test_private_loopback_link_local_and_metadata_urls_are_refused(api, url):
    response = api.post("/webhook_endpoints", json={"url": url})
    assert response.status_code == 422, response.json
    assert response.json["code"] == "invalid_webhook_url"
    assert response.json["param"] == "url"
    assert "public internet addresses" in response.json["detail"]
    assert api.get("/webhook_endpoints").json["data"] == []


@pytest.mark.parametrize(("url", "why"), [
    ("http://93.184.215.14/hook", "must use https"),
    ("ftp://93.184.215.14/hook", "must use https"),
    ("https://user:pass@93.184.215.14/hook", "user name or password"),
    ("https://no-such-host.invalid/hook", "resolves only to public internet addresses"),
    ("https://93.184.215.14:8080/hook", "must use port 443 or 8443"),
    ("https://xn--zz.example/hook", "is not a valid URL"),  # bad IDNA: a 422, not a 500
    ("https://xn--ls8h.example/hook", "is not a valid URL"),
    ("not a url", "https"),
])
def test_urls_that_are_not_public_https_are_refused(api, url, why):
    response = api.post("/webhook_endpoints", json={"url": url})
    assert response.status_code == 422
    assert response.json["code"] == "invalid_webhook_url"
    assert why in response.json["detail"]


@pytest.mark.parametrize("url", ["https://[fec0::1]/hook", "https://[fec0:1:2::5]:8443/hook",
                                 "https://localhost/hook", "https://no-such-host.invalid/hook"])
def test_refusals_never_reveal_what_the_resolver_answered(api, url):
    """Site-local, loopback and unresolvable hosts get the same answer, naming no address."""
    response = api.post("/webhook_endpoints", json={"url": url})
    assert response.status_code == 422 and response.json["code"] == "invalid_webhook_url"
    assert response.json["detail"] == "The URL " + ssrf.NOT_PUBLIC + "."
    for leak in ("127.0.0.1", "fec0", "loopback", "site-local", "resolve to", "does not"):
        assert leak not in response.json["detail"]


def test_ports_other_than_443_and_8443_are_refused_unless_configured(app, api, monkeypatch):
    set_config(monkeypatch, app, "WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")
    assert api.post("/webhook_endpoints", json={"url": "https://127.0.0.1:6379/hook"}
                    ).json["detail"] == "The URL must use port 443 or 8443."
    assert _create(api, url="https://127.0.0.1:8443/hook")["url"].endswith(":8443/hook")
    set_config(monkeypatch, app, "WEBHOOK_ALLOWED_PORTS", "443,9443")
    assert _create(api, url="https://127.0.0.1:9443/hook")["url"].endswith(":9443/hook")
    assert api.post("/webhook_endpoints", json={"url": "https://127.0.0.1:8443/hook"}
                    ).status_code == 422


def test_the_allow_list_admits_a_private_network_and_http_only_when_enabled(app, api,
                                                                            monkeypatch):
    set_config(monkeypatch, app, "WEBHOOK_ALLOWED_NETWORKS", "127.0.0.0/8")
    assert _create(api, url="https://127.0.0.1:8443/hook")["url"] == (
        "https://127.0.0.1:8443/hook")
    assert api.post("/webhook_endpoints",
                    json={"url": "http://127.0.0.1/hook"}).json["code"] == "invalid_webhook_url"
    monkeypatch.setitem(app.config, "WEBHOOK_ALLOW_HTTP", True)
    assert _create(api, url="http://127.0.0.1/hook")["url"] == "http://127.0.0.1/hook"
    assert api.post("/webhook_endpoints", json={"url": "http://10.0.0.1/hook"}
                    ).status_code == 422


def test_an_update_is_checked_like_a_creation(api):
    created = _create(api)
    response = api.patch(f"/webhook_endpoints/{created['id']}",
                         json={"url": "https://169.254.169.254/latest/meta-data"})
    assert response.status_code == 422
    assert response.json["code"] == "invalid_webhook_url"
    assert api.get(f"/webhook_endpoints/{created['id']}").json["url"] == PUBLIC_URL


# Update, disable, delete


def test_update_changes_only_the_given_fields(api):
    created = _create(api, description="Orders")
    response = api.patch(f"/webhook_endpoints/{created['id']}",
                         json={"event_types": ["message.failed", "message.bounced"]})
    assert response.status_code == 200, response.json
    assert response.json["event_types"] == ["message.failed", "message.bounced"]
    assert (response.json["url"], response.json["description"]) == (PUBLIC_URL, "Orders")
    cleared = api.patch(f"/webhook_endpoints/{created['id']}",
                        json={"description": None, "url": "https://93.184.215.15/h"}).json
    assert (cleared["description"], cleared["url"]) == (None, "https://93.184.215.15/h")


def test_disabling_fails_pending_deliveries_and_enabling_clears_the_reason(app, api, tenant):
    created = _create(api)
    with app.app_context():
        event = events.record(tenant.partner_id, "live", "conversation.assigned",
                              {"id": "cnv_01HNQX2P8Y9R3T4V5W6Z7A8B9C"})
        tx.commit()
        [delivery_id] = dispatch.dispatch(event.id).deliveries
    disabled = api.patch(f"/webhook_endpoints/{created['id']}", json={"status": "disabled"})
    assert disabled.json["status"] == "disabled"
    assert disabled.json["disabled_reason"] == "Disabled through the API."
    with app.app_context():
        delivery = db.session.get(WebhookDelivery, delivery_id)
        assert delivery.status == "failed" and "disabled" in delivery.last_error
    enabled = api.patch(f"/webhook_endpoints/{created['id']}", json={"status": "enabled"})
    assert (enabled.json["status"], enabled.json["disabled_reason"]) == ("enabled", None)


def test_null_is_refused_for_fields_that_cannot_be_empty(api):
    created = _create(api)
    for field in ("url", "status", "event_types"):
        response = api.patch(f"/webhook_endpoints/{created['id']}", json={field: None})
        assert response.status_code == 422, field
        assert response.json["code"] == "invalid_field"


def test_delete_removes_the_endpoint(api):
    created = _create(api)
    response = api.delete(f"/webhook_endpoints/{created['id']}")
    assert response.status_code == 200
    assert response.json == {"id": created["id"], "object": "webhook_endpoint", "deleted": True}
    assert api.get(f"/webhook_endpoints/{created['id']}").status_code == 404


# Rotation


def test_rotation_shows_a_new_secret_and_keeps_the_old_one_for_the_overlap(app, api):
    created = _create(api)
    before = utcnow()
    response = api.post(f"/webhook_endpoints/{created['id']}/rotate_secret",
                        json={"expires_in_hours": 24})
    after = utcnow()
    assert response.status_code == 200, response.json
    rotated = response.json
    assert rotated["secret"] != created["secret"]
    assert 24 <= len(_secret_bytes(rotated["secret"])) <= 32
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, created["id"])
        assert webhooks.signing_secrets(endpoint) == [rotated["secret"], created["secret"]]
        # 24 hours from the moment of the rotation
        expires = endpoint.previous_secret_expires_at
        assert before + timedelta(hours=24) <= expires <= after + timedelta(hours=24)
        assert webhooks.signing_secrets(endpoint, utcnow() + timedelta(hours=25)) == [
            rotated["secret"]]


def test_rotation_with_no_overlap_stops_the_old_secret_at_once(app, api):
    created = _create(api)
    rotated = api.post(f"/webhook_endpoints/{created['id']}/rotate_secret",
                       json={"expires_in_hours": 0}).json
    assert "previous_secret_expires_at" not in rotated
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, created["id"])
        assert webhooks.signing_secrets(endpoint) == [rotated["secret"]]


def test_rotation_overlap_is_bounded(api):
    created = _create(api)
    response = api.post(f"/webhook_endpoints/{created['id']}/rotate_secret",
                        json={"expires_in_hours": 24 * 8})
    assert response.status_code == 422
    assert response.json["param"] == "expires_in_hours"


# The platform-side endpoint (operators)


def test_operators_set_the_platform_endpoint_which_partners_cannot_see(app, cli, tenant, api):
    result = cli.invoke(webhook_cli, ["set-platform-endpoint", "--partner", tenant.partner_id,
                                      "--environment", "live", "--url", PUBLIC_URL])
    assert result.exit_code == 0, result.output
    endpoint_id = result.output.split()[0]
    secret = next(w for w in result.output.split() if w.startswith("whsec_"))
    assert 24 <= len(_secret_bytes(secret)) <= 32
    assert api.get("/webhook_endpoints").json["data"] == []
    assert api.get(f"/webhook_endpoints/{endpoint_id}").status_code == 404
    assert api.patch(f"/webhook_endpoints/{endpoint_id}", json={"status": "disabled"}
                     ).status_code == 404
    again = cli.invoke(webhook_cli, ["set-platform-endpoint", "--partner", tenant.partner_id,
                                     "--environment", "live", "--url",
                                     "https://93.184.215.16/platform"])
    assert again.exit_code == 0 and "whsec_" not in again.output  # repointed, same secret
    with app.app_context():
        rows = db.session.scalars(select(WebhookEndpoint)).all()
        assert [(r.id, r.url, r.is_platform) for r in rows] == [
            (endpoint_id, "https://93.184.215.16/platform", True)]


def test_the_platform_endpoint_url_is_checked_too(cli, tenant):
    result = cli.invoke(webhook_cli, ["set-platform-endpoint", "--partner", tenant.partner_id,
                                      "--environment", "sandbox", "--url",
                                      "https://169.254.169.254/"])
    assert result.exit_code != 0
    assert "public internet addresses" in result.output


def test_the_platform_endpoint_can_be_removed(cli, tenant):
    args = ["--partner", tenant.partner_id, "--environment", "live"]
    assert cli.invoke(webhook_cli, ["set-platform-endpoint", *args, "--url", PUBLIC_URL]
                      ).exit_code == 0
    assert cli.invoke(webhook_cli, ["remove-platform-endpoint", *args]).exit_code == 0
    assert cli.invoke(webhook_cli, ["remove-platform-endpoint", *args]).exit_code != 0


# Isolation and the delivery log


def test_another_partners_or_environments_endpoint_is_not_found(tenant, other_tenant):
    created = _create(tenant.live)
    for client in (other_tenant.live, tenant.sandbox):
        assert client.get(f"/webhook_endpoints/{created['id']}").status_code == 404
        assert client.delete(f"/webhook_endpoints/{created['id']}").status_code == 404
        assert client.get("/webhook_endpoints").json["data"] == []
    assert tenant.live.get(f"/webhook_endpoints/{created['id']}").status_code == 200


def _failed_delivery(app, partner_id: str, endpoint_id: str) -> str:
    with app.app_context():
        event = events.record(partner_id, "live", "contact.identified",
                              {"id": "con_01HNQX2P8Y9R3T4V5W6Z7A8B9C"})
        tx.commit()
        [delivery_id] = webhook_delivery.create_deliveries(
            db.session.get(Event, event.id), [db.session.get(WebhookEndpoint, endpoint_id)])
        delivery = db.session.get(WebhookDelivery, delivery_id)
        delivery.status, delivery.next_attempt_at = "failed", None
        db.session.commit()
        return delivery_id


def test_the_delivery_log_lists_an_endpoints_deliveries(app, api, tenant):
    endpoint = _create(api)
    delivery_id = _failed_delivery(app, tenant.partner_id, endpoint["id"])
    log = api.get(f"/webhook_endpoints/{endpoint['id']}/deliveries")
    assert log.status_code == 200
    [item] = log.json["data"]
    assert (item["id"], item["object"], item["status"], item["event_type"]) == (
        delivery_id, "webhook_delivery", "failed", "contact.identified")
    assert item["attempts"] == [] and item["next_attempt_at"] is None
    assert api.get(f"/webhook_endpoints/{endpoint['id']}/deliveries?status=pending"
                   ).json["data"] == []


def test_a_delivery_is_only_replayed_through_its_own_endpoint(app, api, tenant, other_tenant):
    mine, other = _create(api), _create(api)
    delivery_id = _failed_delivery(app, tenant.partner_id, other["id"])
    response = api.post(f"/webhook_endpoints/{mine['id']}/deliveries/{delivery_id}/replay")
    assert response.status_code == 404 and response.json["param"] == "delivery_id"
    foreign = _create(other_tenant.live)
    response = other_tenant.live.post(
        f"/webhook_endpoints/{foreign['id']}/deliveries/{delivery_id}/replay")
    assert response.status_code == 404
    assert api.post(f"/webhook_endpoints/{other['id']}/deliveries/{delivery_id}/replay"
                    ).status_code == 202
