"""Evaluation requests: the public form's intake, and the operator's approval that
provisions a tenant (docs/console.md, "Evaluations").

Approving creates the partner with its two wallets, sandbox play money and one sandbox key,
invites the requester as the first admin, and emails them the sandbox key, the invitation
link and the next steps through the platform's email gateway, all after one commit. The
key's plaintext exists only in that email. Rejecting emails the reason.
"""

from __future__ import annotations

import re

from flask import current_app
from sqlalchemy import select

from app.channels import names as channel_names
from app.errors import ApiError
from app.extensions import db
from app.models import EvaluationRequest, Partner
from app.models.base import utcnow
from app.models.console import EVALUATION_STATUSES
from app.services import mail, tx
from app.services.billing import wallet
from app.services.tenancy import keys, team

# The values the docs site's form posts too (docs: request-evaluation.md), with labels.
VOLUMES = {"under-10k": "Fewer than 10,000", "10k-100k": "10,000 to 100,000",
           "100k-1m": "100,000 to 1 million", "over-1m": "More than 1 million"}
SANDBOX_PLAY_MONEY_MICROS = 100_000_000  # 100.00 in the wallet's currency
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
LIMITS = {"company": 200, "name": 200, "email": 320, "use_case": 4000}


def check(form: dict) -> tuple[dict, dict[str, str]]:
    """The cleaned fields of a submitted form and an error message per bad field."""
    clean = {field: (form.get(field) or "").strip() for field in LIMITS}
    errors = {}
    for field, label in (("company", "Company"), ("name", "Your name"),
                         ("use_case", "Use case")):
        if not clean[field]:
            errors[field] = f"{label} is required."
    if not EMAIL.match(clean["email"]):
        errors["email"] = "Enter a work email address such as you@company.com."
    for field, limit in LIMITS.items():
        if len(clean[field]) > limit:
            errors[field] = f"At most {limit} characters."
    chosen = [c for c in form.get("channels", []) if c in channel_names()]
    if not chosen:
        errors["channels"] = "Choose at least one channel."
    clean["channels"] = chosen
    clean["monthly_volume"] = form.get("monthly_volume") or ""
    if clean["monthly_volume"] not in VOLUMES:
        errors["monthly_volume"] = "Choose an expected monthly volume."
    clean["email"] = clean["email"].lower()
    return clean, errors


def submit(clean: dict) -> EvaluationRequest:
    """Store a checked request for the operators."""
    request = EvaluationRequest(status="pending", **clean)
    db.session.add(request)
    tx.commit()
    return request


def list_requests(status: str | None = "pending") -> list[EvaluationRequest]:
    """Requests, newest first (one status, or all with None)."""
    statement = select(EvaluationRequest).order_by(EvaluationRequest.id.desc()).limit(200)
    if status in EVALUATION_STATUSES:
        statement = statement.where(EvaluationRequest.status == status)
    return list(db.session.scalars(statement))


def get(evaluation_id: str) -> EvaluationRequest:
    found = db.session.get(EvaluationRequest, evaluation_id)
    if found is None:
        raise ApiError("not_found", f"No evaluation request {evaluation_id}.", param="id")
    return found


def _pending(evaluation_id: str) -> EvaluationRequest:
    found = get(evaluation_id)
    if found.status != "pending":
        raise ApiError("conflict", f"Evaluation request {found.id} is already {found.status}.",
                       param="id")
    return found


def approve(evaluation_id: str, decided_by: str) -> EvaluationRequest:
    """Provision the tenant and email the requester its sandbox key and next steps."""
    request = _pending(evaluation_id)
    partner = Partner(name=request.company)
    db.session.add(partner)
    db.session.flush()
    wallet.open_wallets(partner.id)
    wallet.top_up(partner.id, "sandbox", SANDBOX_PLAY_MONEY_MICROS, "sandbox play money")
    issued = keys.create(partner.id, "sandbox", name="evaluation")
    _admin, link = team.invite(partner.id, request.email, "admin", name=request.name,
                               send=False)
    request.status, request.partner_id = "approved", partner.id
    request.decided_by, request.decided_at = decided_by, utcnow()
    docs = current_app.config["DOCS_PUBLIC_URL"].rstrip("/")
    mail.send_after_commit(mail.Email(
        to=request.email, subject="Your Switchboard sandbox is ready",
        text=(f"Hello {request.name},\n\n{request.company} can start building on Switchboard's "
              f"sandbox now. Your sandbox key (shown only in this email; keep it secret):\n\n"
              f"    {issued.plaintext}\n\n"
              f"Next steps:\n"
              f"1. Choose your password for the console: {link}\n"
              f"2. Send your first message: {docs}/quickstart\n"
              f"3. Try the sandbox's magic recipients: {docs}/sandbox\n\n"
              f"Sandbox messages never leave the platform and are paid with play money. "
              f"When you are ready for live traffic, tell us from the console or by email to "
              f"your Switchboard contact.\n")))
    tx.commit()
    return request


def reject(evaluation_id: str, reason: str, decided_by: str) -> EvaluationRequest:
    """Decline with a reason, which the requester receives by email."""
    reason = (reason or "").strip()
    if not reason:
        raise ApiError("missing_field", "Give the requester a reason.", param="reason")
    request = _pending(evaluation_id)
    request.status, request.reason = "rejected", reason[:500]
    request.decided_by, request.decided_at = decided_by, utcnow()
    mail.send_after_commit(mail.Email(
        to=request.email, subject="Your Switchboard evaluation request",
        text=(f"Hello {request.name},\n\nThank you for your interest in Switchboard. We cannot "
              f"offer {request.company} an evaluation at this time:\n\n{reason}\n")))
    tx.commit()
    return request
