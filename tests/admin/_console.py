"""Builders for the console tests: forms posted the way the console's pages post them, the
development outbox, an operator, and calls to `/api/v1` with a key."""

from __future__ import annotations

import email
import os
import re
import uuid
from pathlib import Path

from app.extensions import db
from tests.admin._inbox import Browser, sign_in
from tests.factories import make_user

KEY = re.compile(r"ak_(?:live|test)_[0-9A-Za-z]{36}")
SECRET = re.compile(r"whsec_[A-Za-z0-9+/=]+")


def submit(browser: Browser, path: str, fields: dict | None = None, *, hx: bool = True,
           key: str | None = None, next_page: str = "/admin/keys"):
    """Post a console form: CSRF token, a fresh (or the given) form key, and `next`."""
    form = {"idempotency_key": key or uuid.uuid4().hex, "next": next_page, **(fields or {})}
    return browser.post(path, form, hx=hx)


def operator(app, email_address: str = "ops@switchboard.example") -> Browser:
    with app.app_context():
        make_user("operator", None, email=email_address)
        db.session.remove()
    return sign_in(app, email_address)


def outbox(app) -> list[email.message.Message]:
    """The emails the development outbox holds, oldest first."""
    folder = Path(app.instance_path) / "outbox"
    if not folder.exists():
        return []
    return [email.message_from_bytes(path.read_bytes())
            for path in sorted(folder.glob("*.eml"))]


def clear_outbox(app) -> None:
    folder = Path(app.instance_path) / "outbox"
    for path in folder.glob("*.eml") if folder.exists() else ():
        os.remove(path)


def body_of(message: email.message.Message) -> str:
    return message.get_payload(decode=True).decode()


def v1(app, key: str, path: str = "/api/v1/balance"):
    """A call to the partner API with a key."""
    return app.test_client().get(path, headers={"Authorization": f"Bearer {key}"})


class SmtpInbox:
    """A plain local SMTP server (aiosmtpd) that keeps every message it accepts."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        from tests.helpers import free_port

        self.messages: list[email.message.Message] = []
        self.controller = Controller(self, hostname="127.0.0.1", port=free_port())

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append(email.message_from_bytes(envelope.original_content))
        return "250 OK"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.controller.port}"

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()
