"""Builders for admin UI tests: a team, signed-in browsers (test client), conversations."""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.channels.gateways import Inbound
from app.extensions import db
from app.services.messaging import inbound
from tests.factories import make_partner, make_user

PASSWORD = "correct horse battery"
TOKEN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
FORM_KEY = re.compile(r'name="idempotency_key" value="([^"]+)"')


@dataclass
class Team:
    partner_id: str
    live_key: str
    test_key: str
    admin: str
    agent: str
    other_agent: str


def make_team(app, name: str = "Acme") -> Team:
    """A partner with an admin and two agents (emails derive from the partner's name)."""
    slug = name.lower()
    with app.app_context():
        provisioned = make_partner(name=name)
        pid = provisioned.partner.id
        users = [make_user(role, pid, email=f"{who}@{slug}.example").id
                 for role, who in (("admin", "admin"), ("agent", "agent"), ("agent", "agent2"))]
        db.session.remove()
    return Team(pid, provisioned.live_key, provisioned.test_key, *users)


class Browser:
    """A signed-in test client that posts forms the way the admin pages do."""

    def __init__(self, client):
        self.client = client
        self.token = ""

    def get(self, path: str, hx: bool = False, **kwargs):
        headers = {"HX-Request": "true"} if hx else {}
        response = self.client.get(path, headers=headers, **kwargs)
        match = TOKEN.search(response.get_data(as_text=True))
        if match:
            self.token = match.group(1)
        return response

    def post(self, path: str, data: dict | None = None, hx: bool = False, csrf: bool = True,
             **kwargs):
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.token)
        headers = {"HX-Request": "true"} if hx else {}
        return self.client.post(path, data=form, headers=headers, **kwargs)

    def environment(self, name: str) -> None:
        assert self.post("/admin/environment", {"environment": name}).status_code == 303


def sign_in(app, email: str) -> Browser:
    browser = Browser(app.test_client())
    browser.get("/admin/login")
    response = browser.client.post("/admin/login", data={
        "email": email, "password": PASSWORD, "csrf_token": browser.token})
    assert response.status_code == 302, response.get_data(as_text=True)
    browser.get("/admin/", follow_redirects=True)
    return browser


def receive(app, partner_id: str, environment: str = "live", *, text: str = "Hello",
            address: str = "+15551230001", channel: str = "sms", name: str | None = None,
            provider_id: str | None = None):
    """An inbound message from a contact; returns (conversation id, message id)."""
    with app.app_context():
        message = inbound.receive(partner_id, environment, None, Inbound(
            channel=channel, from_address=address, to_address=None, text=text,
            provider_message_id=provider_id, name=name))
        found = message.conversation_id, message.id
        db.session.remove()
    return found
