"""The console's API keys and webhook endpoints through the test client: a key shown once
and never stored, working, rolled and revoked; endpoints created with their event types,
edited, disabled, rotated, tested and replayed."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import WebhookDelivery, WebhookEndpoint
from tests.admin._console import KEY, SECRET, submit, v1
from tests.admin._inbox import make_team, sign_in
from tests.jobs._webhooks import Receiver


@pytest.fixture
def team(app):
    return make_team(app)


def test_a_new_key_is_shown_once_works_and_is_never_stored_in_clear(app, team):
    admin = sign_in(app, "admin@acme.example")
    created = submit(admin, "/api/internal/keys", {"environment": "sandbox", "name": "orders"},
                     key="form-1")
    assert created.status_code == 201
    [plaintext] = KEY.findall(created.get_data(as_text=True))
    assert plaintext.startswith("ak_test_")
    page = admin.get("/admin/keys").get_data(as_text=True)
    row = page.split("orders</td>")[1].split("</tr>")[0]
    assert row.count("<time") == 1  # created; never used yet
    assert v1(app, plaintext).json["environment"] == "sandbox"
    page = admin.get("/admin/keys").get_data(as_text=True)
    assert "orders" in page and plaintext not in page and plaintext[-4:] in page
    row = page.split("orders</td>")[1].split("</tr>")[0]
    assert row.count("<time") == 2  # created, and last used just now
    # The same form again (a double click, a resubmit): the first answer, without the key.
    again = submit(admin, "/api/internal/keys", {"environment": "sandbox", "name": "orders"},
                   key="form-1")
    assert again.headers.get("Idempotent-Replayed") is None  # presented as HTML
    assert not KEY.search(again.get_data(as_text=True))
    assert "shown once" in again.get_data(as_text=True)
    with app.app_context():
        from app.services import idempotency

        stored = idempotency.find(team.partner_id, "live", "form-1",  # decrypted
                                  scope=f"internal:{team.admin}")
        assert plaintext.encode() not in stored.body
        assert json.loads(stored.body)["key"] is None


def test_without_javascript_the_key_page_itself_shows_the_key(app, team):
    admin = sign_in(app, "admin@acme.example")
    created = submit(admin, "/api/internal/keys", {"environment": "live"}, hx=False)
    assert created.status_code == 201
    assert "<html" in created.get_data(as_text=True)
    assert KEY.search(created.get_data(as_text=True)).group(0).startswith("ak_live_")
    assert created.headers["Cache-Control"] == "no-store"


def test_revoke_stops_a_key_and_roll_keeps_the_old_one_for_the_overlap(app, team):
    admin = sign_in(app, "admin@acme.example")
    with app.app_context():
        from app.services.tenancy import keys

        live_id = keys.find(team.live_key).id
        test_id = keys.find(team.test_key).id
    rolled = submit(admin, f"/api/internal/keys/{live_id}/roll", {"overlap_hours": "24"})
    [new_key] = KEY.findall(rolled.get_data(as_text=True))
    assert v1(app, new_key).status_code == 200
    assert v1(app, team.live_key).status_code == 200  # still inside its overlap
    page = admin.get("/admin/keys").get_data(as_text=True)
    assert "expires" in page
    rolled_now = submit(admin, f"/api/internal/keys/{test_id}/roll", {"overlap_hours": "0"})
    assert KEY.search(rolled_now.get_data(as_text=True))
    assert v1(app, team.test_key).status_code == 401
    revoked = submit(admin, f"/api/internal/keys/{live_id}/revoke", next_page="/admin/keys")
    assert revoked.status_code == 204 and revoked.headers["HX-Redirect"] == "/admin/keys"
    refused = v1(app, team.live_key)
    assert refused.status_code == 401 and refused.json["code"] == "revoked_api_key"
    assert "Key revoked" in admin.get("/admin/keys").get_data(as_text=True)  # the notice


def test_agents_cannot_create_keys_and_another_partners_key_is_not_found(app, team):
    other = make_team(app, "Globex")
    agent = sign_in(app, "agent@acme.example")
    refused = submit(agent, "/api/internal/keys", {"environment": "live"})
    assert "admins" in refused.get_data(as_text=True)
    with app.app_context():
        from app.services.tenancy import keys

        theirs = keys.find(other.live_key).id
    admin = sign_in(app, "admin@acme.example")
    response = submit(admin, f"/api/internal/keys/{theirs}/revoke")
    assert "No key" in response.get_data(as_text=True)
    assert v1(app, other.live_key).status_code == 200


def test_an_endpoint_with_chosen_events_gets_a_test_event_and_a_replay(app, team, httpserver,
                                                                       local, drain):
    receiver = Receiver(httpserver)
    admin = sign_in(app, "admin@acme.example")
    created = admin.post("/api/internal/webhook_endpoints", {
        "url": receiver.url, "description": "orders", "event_types[]": [
            "", "message.delivered", "message.failed"],
        "idempotency_key": "wh-1", "next": "/admin/webhooks"}, hx=True)
    assert created.status_code == 201
    [secret] = SECRET.findall(created.get_data(as_text=True))
    with app.app_context():
        endpoint = db.session.scalars(select(WebhookEndpoint)).one()
        assert endpoint.event_types == ["message.delivered", "message.failed"]
        endpoint_id = endpoint.id
    assert secret not in admin.get(f"/admin/webhooks/{endpoint_id}").get_data(as_text=True)
    submit(admin, f"/api/internal/webhook_endpoints/{endpoint_id}/test")
    pending = admin.get(f"/admin/webhooks/{endpoint_id}").get_data(as_text=True)
    log_url = re.search(r'id="delivery-log"\s+hx-get="([^"]+)"', pending).group(1)
    log_url = log_url.replace("&amp;", "&")
    assert admin.get(log_url, hx=True).status_code == 204  # nothing changed yet
    drain()
    settled = admin.get(log_url, hx=True)
    assert settled.status_code == 200 and "succeeded" in settled.get_data(as_text=True)
    assert "hx-trigger" not in settled.get_data(as_text=True)  # nothing pending: polling ends
    [envelope] = receiver.verified(secret)
    assert envelope["type"] == "webhook.test"
    page = admin.get(f"/admin/webhooks/{endpoint_id}").get_data(as_text=True)
    assert "webhook.test" in page and "succeeded" in page and " ms<" in page
    with app.app_context():
        delivery_id = db.session.scalars(select(WebhookDelivery.id)).one()
    submit(admin, f"/api/internal/webhook_endpoints/{endpoint_id}/deliveries/{delivery_id}"
                  "/replay")
    drain()
    assert [e["id"] for e in receiver.verified(secret)] == [envelope["id"]] * 2
    # Uncheck every event type (all events), then disable: a test is refused.
    admin.post(f"/api/internal/webhook_endpoints/{endpoint_id}", {
        "url": receiver.url, "event_types[]": [""], "idempotency_key": "wh-2"}, hx=True)
    submit(admin, f"/api/internal/webhook_endpoints/{endpoint_id}", {"status": "disabled"})
    with app.app_context():
        endpoint = db.session.get(WebhookEndpoint, endpoint_id)
        assert endpoint.event_types == [] and endpoint.status == "disabled"
    refused = submit(admin, f"/api/internal/webhook_endpoints/{endpoint_id}/test")
    assert "disabled" in refused.get_data(as_text=True)
    rotated = submit(admin, f"/api/internal/webhook_endpoints/{endpoint_id}/rotate",
                     {"expires_in_hours": "1"})
    [new_secret] = SECRET.findall(rotated.get_data(as_text=True))
    assert new_secret != secret


def test_replaying_the_failed_deliveries_runs_as_a_job_with_progress(app, team, httpserver,
                                                                    local, drain):
    from werkzeug import Response

    receiver = Receiver(httpserver)
    receiver.default = Response("down", status=500)
    local("WEBHOOK_RETRY_DELAYS", "0,0")  # two attempts each
    admin = sign_in(app, "admin@acme.example")
    created = submit(admin, "/api/internal/webhook_endpoints", {"url": receiver.url})
    assert created.status_code == 201
    with app.app_context():
        endpoint_id = db.session.scalars(select(WebhookEndpoint.id)).one()
    for _ in range(3):
        submit(admin, f"/api/internal/webhook_endpoints/{endpoint_id}/test")
    drain()
    assert len(receiver.requests) == 6  # two attempts each, all failed
    receiver.default = Response("ok", status=200)
    started = submit(admin, f"/api/internal/webhook_endpoints/{endpoint_id}/replay_failed",
                     {"since": "2000-01-01"})
    assert started.status_code == 202
    job_url = started.get_data(as_text=True).split('hx-get="')[1].split('"')[0]
    first = admin.get(job_url, hx=True).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in first and "waiting for a worker" in first
    version = first.split("v=")[1].split('"')[0].replace("%3A", ":")
    assert admin.get(f"{job_url}?v={version}", hx=True).status_code == 204  # unchanged
    drain()
    done = admin.get(f"{job_url}?v={version}", hx=True)
    assert done.status_code == 200
    text = done.get_data(as_text=True)
    assert "3 deliveries replayed" in text and "hx-trigger" not in text
    assert len(receiver.requests) == 9


def test_last_used_is_written_at_most_once_a_minute(app, team):
    from datetime import timedelta

    from sqlalchemy import update

    from app.models import AccessKey
    from app.services.tenancy import keys

    def last_used():
        with app.app_context():
            found = keys.find(team.live_key).last_used_at
            db.session.remove()
        return found

    assert last_used() is None
    v1(app, team.live_key)
    first = last_used()
    assert first is not None
    v1(app, team.live_key)
    assert last_used() == first  # within the minute: no write
    with app.app_context():
        db.session.execute(update(AccessKey).where(AccessKey.last_used_at.is_not(None)).values(
            last_used_at=first - timedelta(minutes=2)))
        db.session.commit()
    v1(app, team.live_key)
    assert last_used() > first - timedelta(minutes=2)
