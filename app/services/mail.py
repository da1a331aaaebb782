"""The platform's own email (invitations, evaluation answers) through the SMTP gateway adapter.

`PLATFORM_SMTP_URL` (`smtp://host:port`) names the relay; `PLATFORM_SMTP_STARTTLS` (default
on) and `PLATFORM_SMTP_USERNAME`/`PLATFORM_SMTP_PASSWORD` go with it. Without a URL (a
laptop, `make run`) each email is written as an `.eml` file to `instance/outbox/` instead,
so a developer can open the invitation link. Mail is sent after the transaction that
decided it commits: a rolled-back invitation never reaches anyone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app

from app.channels.gateways.base import GatewayConfig, Outbound
from app.channels.gateways.smtp import SmtpAdapter
from app.models import new_id
from app.services import tx

OUTBOX = "outbox"


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    text: str


def outbox_path() -> str:
    """The development outbox folder (instance/outbox)."""
    return os.path.join(current_app.instance_path, OUTBOX)


def send_after_commit(email: Email) -> None:
    """Send `email` once the current transaction has committed."""
    tx.after_commit(lambda: deliver(email))


def deliver(email: Email) -> bool:
    """Send now: through the SMTP relay when one is configured, else into the outbox."""
    config = current_app.config
    url = config["PLATFORM_SMTP_URL"]
    if not url:
        return _write_outbox(email, config["PLATFORM_MAIL_FROM"])
    gateway = GatewayConfig(
        id="platform-mail", provider="smtp", channel="email", environment="live", base_url=url,
        credentials={"username": config["PLATFORM_SMTP_USERNAME"],
                     "password": config["PLATFORM_SMTP_PASSWORD"]},
        settings={"from": config["PLATFORM_MAIL_FROM"],
                  "starttls": config["PLATFORM_SMTP_STARTTLS"]})
    result = SmtpAdapter().send(Outbound(
        message_id=new_id("eml"), channel="email", to=email.to, from_=None, text=email.text,
        subject=email.subject, html=None, title=None, template=None, language=None,
        variables={}, attempt=0), gateway)
    if not result.accepted:
        current_app.logger.warning("platform email to %s not sent: %s", email.to, result.error)
    return result.accepted


def _write_outbox(email: Email, sender: str) -> bool:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = sender, email.to, email.subject
    message["Date"], message["Message-ID"] = formatdate(usegmt=True), make_msgid()
    message.set_content(email.text)
    folder = outbox_path()
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, new_id("eml") + ".eml"), "wb") as handle:
        handle.write(bytes(message))
    return True
