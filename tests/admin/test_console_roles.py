"""Roles on every admin route, derived from the app's URL map so a new route cannot be
left out: agents get the inbox only (403 on the console), admins their own partner's
console (another partner's objects are 404), operators the operator console (and nobody
else does). Pages are checked with GET, `/api/internal` writes with JSON calls."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.extensions import db
from app.models import AccessKey, CannedReply, Contact, Template, WebhookDelivery
from app.services import progress
from tests.admin._console import operator, submit
from tests.admin._inbox import make_team, receive, sign_in

PUBLIC = {"front_door", "admin_auth.login", "admin_auth.logout", "admin_auth.switch_environment",
          "admin_team.accept", "evaluation.form", "evaluation.submit", "evaluation.thanks"}
INBOX_PAGES = {"admin_inbox.home", "admin_inbox.index", "admin_inbox.conversation",
               "admin_inbox.lines", "admin_inbox.composer", "admin_inbox.contact_pane",
               "admin_inbox.message", "admin_inbox.segments"}
CONSOLE_BLUEPRINTS = ("admin_keys", "admin_webhooks", "admin_wallet", "admin_usage",
                      "admin_audit", "admin_team", "admin_library", "admin_progress")
OPERATOR_PAGES = {"admin_operator.index", "admin_operator.partner", "admin_operator.view",
                  "admin_operator.stop_viewing", "admin_platform.gateways",
                  "admin_platform.price_table", "admin_platform.evaluation_list",
                  "admin_platform.inbound_routing"}
INBOX_API = {"api_internal.assign_conversation", "api_internal.close_conversation",
             "api_internal.reopen_conversation", "api_internal.add_note",
             "api_internal.send_and_confirm", "api_internal.edit_contact"}
# A valid body per console call, so the refusal tested is the role's, not validation's.
BODIES = {
    "create_key": {"environment": "live"}, "roll_key": {"overlap_hours": 1},
    "create_endpoint": {"url": "https://example.com/hook"},
    "replay_failed": {"since": "2020-01-01"}, "invite": {"email": "new@acme.example"},
    "change_role": {"role": "agent"}, "create_canned": {"title": "t", "body": "b"},
    "edit_canned": {"title": "t", "body": "b"},
    "create_template": {"name": "x", "language": "en", "channel": "whatsapp", "body": "b"},
    "reject_evaluation": {"reason": "no"}, "create_partner": {"name": "X"},
    "top_up": {"environment": "live", "amount": "1", "reason": "r"},
    "rate_limits": {"live": 10}, "partner_status": {"status": "suspended"},
    "add_gateway": {"channel": "sms", "provider": "twilio", "name": "g"},
    "set_price": {"channel": "sms", "price": "1"},
    "deliver_unrouted": {"partner_id": "ptr_01HNQX2P8Y9R3T4V5W6Z7A8B9C"},
    "add_route": {"gateway_id": "gw_01HNQX2P8Y9R3T4V5W6Z7A8B9C", "address": "+15550001111",
                  "partner_id": "ptr_01HNQX2P8Y9R3T4V5W6Z7A8B9C"},
    "add_note": {"body": "x"}, "assign_conversation": {"agent_id": None},
}


def _rules(app) -> dict[str, str]:
    return {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()
            if rule.rule == "/" or rule.rule.startswith(("/admin", "/api/internal",
                                                         "/evaluation"))}


def _objects(app, team, drain=None) -> dict[str, str]:
    """One object of each kind of the team's partner, by the URL variable that names it."""
    conversation_id, message_id = receive(app, team.partner_id, text="hi",
                                          address="+15551239999")
    admin = sign_in(app, f"admin@{team.slug}.example")
    submit(admin, "/api/internal/canned_replies", {"title": "c", "body": "b"})
    submit(admin, "/api/internal/templates", {"name": "t", "language": "en",
                                              "channel": "whatsapp", "body": "b"})
    created = submit(admin, "/api/internal/webhook_endpoints",
                     {"url": "http://127.0.0.1:9/hook"})
    endpoint_id = re.search(r"/admin/webhooks/(we_\w+)", created.get_data(as_text=True)).group(1)
    submit(admin, f"/api/internal/webhook_endpoints/{endpoint_id}/test")
    with app.app_context():
        found = {
            "conversation_id": conversation_id, "message_id": message_id,
            "endpoint_id": endpoint_id,
            "contact_id": db.session.scalars(select(Contact.id).where(
                Contact.partner_id == team.partner_id)).first(),
            "delivery_id": db.session.scalars(select(WebhookDelivery.id).where(
                WebhookDelivery.partner_id == team.partner_id)).first(),
            "key": db.session.scalars(select(AccessKey.id).where(
                AccessKey.partner_id == team.partner_id)).first(),
            "canned": db.session.scalars(select(CannedReply.id).where(
                CannedReply.partner_id == team.partner_id)).first(),
            "template": db.session.scalars(select(Template.id).where(
                Template.partner_id == team.partner_id)).first(),
            "job_id": progress.start("jobs.console.export_ledger", "export", team.partner_id,
                                     "live", {}),
            "user": team.agent, "partner_id": team.partner_id,
        }
        db.session.remove()
    return found


def _fill(rule: str, objects: dict[str, str]) -> str:
    """The rule with its variables replaced by the given objects' ids."""
    kinds = (("/keys/", "key"), ("/webhook_endpoints/", "endpoint_id"),
             ("/contacts/", "contact_id"), ("/conversations/", "conversation_id"),
             ("/team/", "user"), ("/templates/", "template"), ("/canned_replies/", "canned"))

    def value(match: re.Match) -> str:
        name = match.group(1)
        if name == "id":
            kind = next(k for prefix, k in kinds if prefix in rule)
            return objects[kind]
        return objects.get(name, "xxx_01HNQX2P8Y9R3T4V5W6Z7A8B9C")

    return re.sub(r"<(?:\w+:)?(\w+)>", value, rule)


@pytest.fixture
def teams(app, local):
    acme, globex = make_team(app, "Acme"), make_team(app, "Globex")
    acme.slug, globex.slug = "acme", "globex"
    return acme, globex


def test_every_admin_route_is_classified(app):
    rules = _rules(app)
    console = {e for e in rules if e.startswith(CONSOLE_BLUEPRINTS)} - PUBLIC
    operator_api = {e for e in rules if e.startswith("api_operator.")}
    console_api = {e for e in rules if e.startswith("api_internal.")} - INBOX_API
    assert set(rules) == (PUBLIC | INBOX_PAGES | console | OPERATOR_PAGES | operator_api
                          | console_api | INBOX_API)
    assert len(console) >= 14 and len(console_api) >= 20 and len(operator_api) >= 11


def test_console_pages_admins_own_partner_agents_403_foreign_404(app, teams):
    acme, globex = teams
    mine, theirs = _objects(app, acme), _objects(app, globex)
    admin, agent = sign_in(app, "admin@acme.example"), sign_in(app, "agent@acme.example")
    ops, anonymous = operator(app), app.test_client()
    pages = {e: r for e, r in _rules(app).items()
             if e.startswith(CONSOLE_BLUEPRINTS) and e != "admin_team.accept"}
    for endpoint, rule in pages.items():
        own = _fill(rule, mine)
        assert anonymous.get(own).status_code == 302, own
        assert agent.get(own).status_code == 403, own
        assert ops.get(own).status_code == 403, own  # no partner chosen to view
        if endpoint != "admin_progress.download":  # an unfinished job has no file yet
            assert admin.get(own).status_code == 200, own
        if "<" in rule:
            assert admin.get(_fill(rule, theirs)).status_code == 404, rule


def test_operator_pages_are_for_operators_only(app, teams):
    acme, _ = teams
    objects = {"partner_id": acme.partner_id}
    admin, agent, ops = (sign_in(app, "admin@acme.example"), sign_in(app, "agent@acme.example"),
                         operator(app))
    for endpoint in OPERATOR_PAGES:
        rule = _rules(app)[endpoint]
        path = _fill(rule, objects)
        method = "post" if endpoint in ("admin_operator.view",
                                        "admin_operator.stop_viewing") else "get"
        for browser in (admin, agent):
            assert getattr(browser, method)(path, **({} if method == "get" else {
                "data": {}})).status_code == 403, path
        if method == "get":
            assert ops.get(path).status_code == 200, path
    assert ops.get("/admin/operator/partners/ptr_01HNQX2P8Y9R3T4V5W6Z7A8B9C").status_code == 404


def _body(rule: str, name: str) -> dict | None:
    """A valid body for the call, or None for calls that take none."""
    from app.api import surfaces

    spec = next(s for surface in (surfaces.internal, surfaces.operator)
                for s in surface.endpoints if s.rule == rule)
    return None if spec.body is None else BODIES.get(name, {})


def _call(browser, path: str, body: dict | None):
    headers = {"X-CSRFToken": browser.token}
    if body is None:
        return browser.client.post(path, headers=headers)
    return browser.client.post(path, json=body, headers=headers)


def test_console_calls_agents_and_operators_403_foreign_objects_404(app, teams):
    acme, globex = teams
    mine, theirs = _objects(app, acme), _objects(app, globex)
    admin, agent, ops = (sign_in(app, "admin@acme.example"), sign_in(app, "agent@acme.example"),
                         operator(app))
    calls = {e: r for e, r in _rules(app).items()
             if e.startswith("api_internal.") and e not in INBOX_API}
    calls["api_internal.erase_contact"] = _rules(app)["api_internal.erase_contact"]
    for endpoint, rule in calls.items():
        body = _body(rule, endpoint.split(".")[1])
        own = _fill(rule, mine)
        refused = _call(agent, own, body)
        assert (refused.status_code, refused.json["code"]) == (403, "forbidden"), own
        assert _call(ops, own, body).status_code == 403, own
        if "<" in rule:
            foreign = _call(admin, _fill(rule, theirs), body)
            assert (foreign.status_code, foreign.json["code"]) == (404, "not_found"), rule
    for endpoint in INBOX_API - {"api_internal.send_and_confirm"}:
        rule = _rules(app)[endpoint]
        body = _body(rule, endpoint.split(".")[1])
        foreign = _call(agent, _fill(rule, theirs), body)
        assert (foreign.status_code, foreign.json["code"]) == (404, "not_found"), endpoint
        assert _call(ops, _fill(rule, mine), body).status_code == 403


def test_operator_calls_refuse_partner_teams(app, teams):
    acme, _ = teams
    objects = {"partner_id": acme.partner_id, "key": "x", "template": "x"}
    admin, agent = sign_in(app, "admin@acme.example"), sign_in(app, "agent@acme.example")
    for endpoint, rule in _rules(app).items():
        if not endpoint.startswith("api_operator."):
            continue
        path = re.sub(r"<id>", "gw_01HNQX2P8Y9R3T4V5W6Z7A8B9C", _fill(
            rule.replace("<id>", "ID"), objects)).replace("ID", "gw_01HNQX2P8Y9R3T4V5W6Z7A8B9C")
        body = _body(rule, endpoint.split(".")[1])
        for browser in (admin, agent):
            refused = _call(browser, path, body)
            assert (refused.status_code, refused.json["code"]) == (403, "forbidden"), path
