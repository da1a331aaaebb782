"""Endpoints that keep failing: the failing streak, disabling, and the `endpoint.disabled` notice.

Every recorded attempt updates its endpoint's streak: a success clears `failing_since`, a
failure sets it if it is not set yet. A failure recorded WEBHOOK_DISABLE_AFTER_HOURS or
more after the streak began disables the endpoint (as a 410 answer does at once), and the
partner's admins get an `endpoint.disabled` email once that commits. The clock is the data:
the streak is measured from the stored `failing_since`, never from a timer.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from app.extensions import db
from app.models import Partner, User, WebhookEndpoint
from app.models.base import isoformat, utcnow
from app.services import mail
from app.services.webhooks import endpoints as webhooks

NOTICE = "endpoint.disabled"


def note_success(endpoint_id: str) -> None:
    """A delivery succeeded: the endpoint's failing streak, if any, is over."""
    db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.failing_since.is_not(None))
        .values(failing_since=None)
        .execution_options(synchronize_session=False))


def note_failure(endpoint_id: str, now: datetime | None = None) -> bool:
    """A delivery attempt failed: extend the streak; True when that disabled the endpoint."""
    now = now or utcnow()
    db.session.execute(
        update(WebhookEndpoint)
        .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.failing_since.is_(None))
        .values(failing_since=now)
        .execution_options(synchronize_session=False))
    endpoint = db.session.get(WebhookEndpoint, endpoint_id, populate_existing=True)
    if endpoint is None or endpoint.status != "enabled" or endpoint.failing_since is None:
        return False
    hours = float(current_app.config["WEBHOOK_DISABLE_AFTER_HOURS"])
    if now - endpoint.failing_since < timedelta(hours=hours):
        return False
    disable_automatically(endpoint, f"Every delivery failed for {hours:g} hours (since "
                          f"{isoformat(endpoint.failing_since)}).")
    return True


def disable_automatically(endpoint: WebhookEndpoint, reason: str) -> None:
    """Disable an endpoint the platform gave up on, and email the partner's admins once the
    caller's transaction commits."""
    webhooks.disable(endpoint, reason)
    admins = db.session.scalars(select(User.email).where(
        User.partner_id == endpoint.partner_id, User.role == "admin",
        User.disabled_at.is_(None)).order_by(User.id)).all()
    partner = db.session.get(Partner, endpoint.partner_id)
    for address in admins:
        mail.send_after_commit(notice(endpoint, partner.name if partner else "", address))


def notice(endpoint: WebhookEndpoint, partner_name: str, to: str) -> mail.Email:
    """The `endpoint.disabled` email to one admin."""
    base = current_app.config["APP_PUBLIC_URL"].rstrip("/")
    return mail.Email(
        to=to, subject=f"[{NOTICE}] A {endpoint.environment} webhook endpoint of "
                       f"{_one_line(partner_name)} was disabled",
        text=(f"Switchboard stopped delivering events to the {endpoint.environment} webhook "
              f"endpoint {endpoint.id}:\n\n    {endpoint.url}\n\nReason: {endpoint.disabled_reason}"
              f"\n\nEvents keep being recorded. Once the endpoint answers again, enable it in "
              f"the console ({base}/admin/webhooks/{endpoint.id}) or with PATCH "
              f"/api/v1/webhook_endpoints/{endpoint.id} {{\"status\": \"enabled\"}}: the events "
              f"it missed since its failures began are then delivered.\n\n"
              f"Notice: {NOTICE}\n"))


def _one_line(text: str) -> str:
    """A name fit for a header: no line breaks (the mail library refuses them anyway)."""
    return " ".join(text.split())
