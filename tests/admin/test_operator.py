"""The operator console through the test client: partners, a top-up that is one ledger
entry however often its form is sent, rate limits, suspension, gateways without their
credentials, prices as data, and looking at a partner's console read-only (audited)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AuditLog, Partner, WalletTransaction
from app.services.messaging import gateways
from tests.admin._console import operator, submit, v1
from tests.admin._inbox import make_team, sign_in


@pytest.fixture
def team(app):
    return make_team(app)


def _ledger(app, partner_id: str, environment: str = "live") -> list[WalletTransaction]:
    with app.app_context():
        rows = list(db.session.scalars(select(WalletTransaction).where(
            WalletTransaction.partner_id == partner_id,
            WalletTransaction.environment == environment).order_by(WalletTransaction.id)))
        db.session.expunge_all()
    return rows


def test_a_top_up_submitted_twice_is_one_ledger_entry(app, team):
    ops = operator(app)
    page = f"/admin/operator/partners/{team.partner_id}"
    form = {"environment": "live", "amount": "25.50", "reason": "Invoice 1042 paid"}
    before = len(_ledger(app, team.partner_id))
    for hx in (True, False, True):  # a double click, then a resubmit without JavaScript
        response = submit(ops, f"/api/internal/operator/partners/{team.partner_id}/top_up",
                          form, key="topup-form-1", hx=hx, next_page=page)
        assert response.status_code in (204, 303)
    entries = _ledger(app, team.partner_id)
    assert len(entries) == before + 1
    assert entries[-1].amount_micros == 25_500_000
    assert entries[-1].description == "Invoice 1042 paid"
    assert "35.50 USD" in ops.get(page).get_data(as_text=True)
    refused = submit(ops, f"/api/internal/operator/partners/{team.partner_id}/top_up",
                     {"environment": "live", "amount": "ten", "reason": "x"})
    assert "amount" in refused.get_data(as_text=True)
    assert len(_ledger(app, team.partner_id)) == before + 1


def test_partners_are_created_limited_and_suspended(app, team):
    ops = operator(app)
    submit(ops, "/api/internal/operator/partners", {"name": "Initech"})
    assert "Initech" in ops.get("/admin/operator/").get_data(as_text=True)
    submit(ops, f"/api/internal/operator/partners/{team.partner_id}/rate_limits",
           {"live": "1200", "sandbox": ""})
    with app.app_context():
        partner = db.session.get(Partner, team.partner_id)
        assert (partner.rate_limit_live, partner.rate_limit_sandbox) == (1200, None)
    assert v1(app, team.live_key).headers["RateLimit-Policy"].startswith("1200;")
    submit(ops, f"/api/internal/operator/partners/{team.partner_id}/status",
           {"status": "suspended"})
    assert v1(app, team.live_key).status_code == 403
    submit(ops, f"/api/internal/operator/partners/{team.partner_id}/status", {"status": "active"})
    assert v1(app, team.live_key).status_code == 200


def test_gateways_show_health_never_credentials_and_switch_on_and_off(app, team):
    ops = operator(app)
    added = submit(ops, "/api/internal/operator/gateways", {
        "channel": "sms", "provider": "twilio", "name": "Twilio main",
        "base_url": "https://api.twilio.com", "credentials": "account_sid=AC123\n"
                                                            "auth_token=s3cr3t-t0ken"})
    assert added.status_code == 204
    page = ops.get("/admin/operator/gateways").get_data(as_text=True)
    assert "Twilio main" in page and "s3cr3t-t0ken" not in page and "AC123" not in page
    with app.app_context():
        gateway = next(g for g in gateways.list_gateways(team.partner_id, "live", 100, None).items
                       if g.name == "Twilio main")
        assert gateways.decrypt_credentials(gateway)["auth_token"] == "s3cr3t-t0ken"
        gateway_id = gateway.id
    submit(ops, f"/api/internal/operator/gateways/{gateway_id}/disable")
    with app.app_context():
        assert gateways.gateway_for(team.partner_id, "live", "sms") is None


def test_an_operators_price_changes_what_new_sends_cost(app, team):
    ops = operator(app)
    headers = {"Authorization": f"Bearer {team.test_key}"}

    def estimate(to: str) -> str:
        sent = app.test_client().post("/api/v1/messages", headers=headers, json={
            "channel": "sms", "to": to, "text": "hi"})
        assert sent.status_code == 202, sent.json
        return sent.json["cost_estimate"]

    us, uk = estimate("+15005550006"), estimate("+447700900123")
    submit(ops, "/api/internal/operator/prices", {"channel": "sms", "country_code": "44",
                                                  "price": "0.0123"})
    submit(ops, "/api/internal/operator/prices", {"channel": "sms", "country_code": "",
                                                  "price": "0.0010"})
    assert estimate("+447700900123") == "0.0123" != uk
    assert estimate("+15005550006") == us  # the registry's price for +1 is more specific
    assert estimate("+34612345678") == "0.001"  # the operator's default for the others
    page = ops.get("/admin/operator/prices").get_data(as_text=True)
    assert "0.012300" in page
    listed = app.test_client().get("/api/v1/channels/sms", headers=headers).json["pricing"]
    assert (listed["default"], listed["by_country_code"]["44"], listed["by_country_code"]["1"]
            ) == ("0.001", "0.0123", "0.0079")
    refused = submit(ops, "/api/internal/operator/prices", {"channel": "email",
                                                            "country_code": "44", "price": "1"})
    assert "not priced by country" in refused.get_data(as_text=True)


def test_operators_view_a_partners_console_read_only_and_audited(app, team):
    ops = operator(app)
    assert ops.get("/admin/keys").status_code == 403  # no partner chosen
    ops.post(f"/admin/operator/partners/{team.partner_id}/view", {})
    page = ops.get("/admin/keys").get_data(as_text=True)
    assert "Viewing <strong>Acme</strong> read-only" in page
    assert 'action="/api/internal/keys"' not in page  # no forms
    refused = submit(ops, "/api/internal/keys", {"environment": "live"})
    assert "Operators belong to no partner" in refused.get_data(as_text=True)
    with app.app_context():
        views = db.session.scalars(select(AuditLog).where(
            AuditLog.surface == "admin", AuditLog.partner_id == team.partner_id,
            AuditLog.path == "/admin/keys")).all()
        assert len(views) == 1 and views[0].actor.startswith("usr_")
    ops.post("/admin/operator/stop-viewing", {})
    assert ops.get("/admin/keys").status_code == 403


def test_the_operator_console_is_for_operators(app, team):
    ops = operator(app)
    assert ops.client.get("/").headers["Location"].endswith("/admin/operator/")
    assert ops.client.get("/admin/").headers["Location"].endswith("/admin/operator/")
    admin = sign_in(app, "admin@acme.example")
    assert admin.get("/admin/operator/").status_code == 403
    refused = submit(admin, f"/api/internal/operator/partners/{team.partner_id}/top_up",
                     {"environment": "live", "amount": "1000", "reason": "free money"})
    assert "Only platform operators" in refused.get_data(as_text=True)
    assert len(_ledger(app, team.partner_id)) == 1
