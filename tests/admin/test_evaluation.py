"""Request an evaluation: the public form (honeypot, per-IP limit, errors, confirmation) and
the operator's decision (console and CLI) that provisions a tenant and emails its sandbox key
through the platform's SMTP gateway."""

from __future__ import annotations

import json
import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import AccessKey, EvaluationRequest, User, Wallet
from tests.admin._console import KEY, SmtpInbox, body_of, operator, outbox, submit, v1
from tests.helpers import set_config

GOOD = {"company": "Umbrella Ltd", "name": "Alice Wong", "email": "Alice@Umbrella.example",
        "channels": ["sms", "whatsapp"], "monthly_volume": "10k-100k",
        "use_case": "Order updates by WhatsApp, SMS fallback."}


def _post(client, fields: dict, ip: str = "203.0.113.7"):
    """Post as the docs site's static form does: no session, no CSRF token."""
    return client.post("/evaluation", data=fields, environ_base={"REMOTE_ADDR": ip})


def _count(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(EvaluationRequest.id)))


def test_the_form_stores_a_request_and_confirms(app):
    client = app.test_client()
    page = client.get("/evaluation")
    assert page.status_code == 200 and "<script" not in page.get_data(as_text=True).split(
        "<body")[1].split("</header>")[1]
    answer = _post(client, GOOD)
    assert answer.status_code == 303 and answer.headers["Location"].endswith("/evaluation/thanks")
    assert "Thank you" in client.get("/evaluation/thanks").get_data(as_text=True)
    with app.app_context():
        stored = db.session.scalars(select(EvaluationRequest)).one()
        assert (stored.email, stored.channels, stored.status) == (
            "alice@umbrella.example", ["sms", "whatsapp"], "pending")


def test_bad_input_comes_back_with_clear_errors_and_nothing_stored(app):
    answer = _post(app.test_client(), {**GOOD, "email": "alice", "channels": [],
                                       "company": " ", "monthly_volume": "lots"})
    text = answer.get_data(as_text=True)
    assert answer.status_code == 422
    for message in ("Company is required", "work email address", "at least one channel",
                    "expected monthly volume"):
        assert message in text
    assert 'value="Alice Wong"' in text  # what was right is kept
    assert _count(app) == 0


def test_the_honeypot_and_the_per_ip_limit_store_nothing(app, monkeypatch):
    client = app.test_client()
    bot = _post(client, {**GOOD, "website": "http://spam.example"})
    assert bot.status_code == 303  # looks like success to the bot
    assert _count(app) == 0
    set_config(monkeypatch, app, "EVALUATION_RATE_LIMIT", 2)
    assert [_post(client, GOOD).status_code for _ in range(3)] == [303, 303, 429]
    assert _count(app) == 2
    assert _post(client, GOOD, ip="198.51.100.9").status_code == 303  # another address


def test_approval_provisions_the_tenant_and_emails_its_sandbox_key(app, monkeypatch):
    _post(app.test_client(), GOOD)
    with app.app_context():
        request_id = db.session.scalars(select(EvaluationRequest.id)).one()
    with SmtpInbox() as smtp:
        set_config(monkeypatch, app, "PLATFORM_SMTP_URL", smtp.url)
        set_config(monkeypatch, app, "PLATFORM_SMTP_STARTTLS", False)
        ops = operator(app)
        assert "Umbrella Ltd" in ops.get("/admin/operator/evaluations").get_data(as_text=True)
        approved = submit(ops, f"/api/internal/operator/evaluations/{request_id}/approve",
                          next_page="/admin/operator/evaluations")
        assert approved.status_code == 204
        again = submit(ops, f"/api/internal/operator/evaluations/{request_id}/approve")
        assert "already approved" in again.get_data(as_text=True)
    [mail] = smtp.messages
    assert mail["To"] == "alice@umbrella.example"
    [key] = KEY.findall(body_of(mail))
    assert key.startswith("ak_test_") and "/admin/invitations/" in body_of(mail)
    assert v1(app, key).json["available"] == "100.000000"
    with app.app_context():
        found = db.session.get(EvaluationRequest, request_id)
        admin = db.session.scalars(select(User).where(User.email == found.email)).one()
        assert (found.status, admin.role, admin.partner_id) == (
            "approved", "admin", found.partner_id)
        assert db.session.scalars(select(AccessKey.environment).where(
            AccessKey.partner_id == found.partner_id)).all() == ["sandbox"]
        assert db.session.scalar(select(Wallet.balance_micros).where(
            Wallet.partner_id == found.partner_id, Wallet.environment == "live")) == 0


def test_the_cli_lists_approves_and_rejects(app, cli):
    _post(app.test_client(), GOOD)
    _post(app.test_client(), {**GOOD, "company": "Spam Co", "email": "x@spam.example"},
          ip="198.51.100.1")
    listed = [json.loads(line) for line in cli.invoke(
        args=["evaluation", "list", "--json"]).output.splitlines()]
    ids = {row["company"]: row["id"] for row in listed}
    assert set(ids) == {"Umbrella Ltd", "Spam Co"}
    rejected = cli.invoke(args=["evaluation", "reject", ids["Spam Co"], "--reason",
                                "We do not serve bulk marketing."])
    assert rejected.exit_code == 0, rejected.output
    approved = cli.invoke(args=["evaluation", "approve", ids["Umbrella Ltd"]])
    assert approved.exit_code == 0, approved.output
    twice = cli.invoke(args=["evaluation", "approve", ids["Umbrella Ltd"]])
    assert twice.exit_code != 0 and "already approved" in twice.output
    mails = {m["To"]: body_of(m) for m in outbox(app)}  # no relay: the development outbox
    assert "We do not serve bulk marketing." in mails["x@spam.example"]
    assert KEY.search(mails["alice@umbrella.example"])
    pending = cli.invoke(args=["evaluation", "list"]).output
    assert pending.strip() == ""
    assert re.search(r"approved", cli.invoke(args=["evaluation", "list", "--status",
                                                   "all"]).output)

