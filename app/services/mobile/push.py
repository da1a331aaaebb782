"""Push notifications to agents' phones: who gets one, what it says, sending it over FCM.

Who: an inbound message notifies the conversation's assignee, or, while it is unassigned,
every active admin and agent of the partner (the shared inbox); an assignment notifies the
new assignee. Only devices registered in the message's environment are notified (push
tokens belong to one environment), so sandbox traffic reaches sandbox-registered devices.

How: the dispatch step of the event (`app.services.dispatch`) picks the recipients; once
it commits, one `jobs.push.push_notification` job per user (on the `push` queue) builds the
notification from ids and sends it to each of the user's devices through FCM HTTP v1, with
the Google token handling of `app.channels.gateways.google_api` and the error classes of the
FCM gateway adapter. A dead token (UNREGISTERED, or INVALID_ARGUMENT about the token) is
deleted; a transient failure makes the job fail, and RQ's Retry runs it again for the
devices not yet reached. Nothing here can fail the dispatch: a lost enqueue is logged.

Configuration: AGENT_PUSH_FCM_PROJECT_ID (else the service account's `project_id`),
AGENT_PUSH_FCM_BASE_URL, AGENT_PUSH_FCM_CREDENTIALS (never logged), AGENT_PUSH_RETRY_DELAYS.
"""

from __future__ import annotations

import html
import json
import re
import unicodedata
from dataclasses import dataclass, field

from flask import current_app
from rq import Retry
from sqlalchemy import and_, delete, select

from app.channels.gateways import GatewayConfig
from app.channels.gateways import fcm as fcm_gateway
from app.extensions import db
from app.models import (
    Contact,
    ContactIdentity,
    Conversation,
    Event,
    Message,
    Partner,
    PushToken,
    User,
)
from app.services import secretbox, tx
from app.services.queue import enqueue

MESSAGE_RECEIVED = "message.received"
CONVERSATION_ASSIGNED = "conversation.assigned"
KINDS = (MESSAGE_RECEIVED, CONVERSATION_ASSIGNED)
ROLES = ("admin", "agent")
ASSIGNED_BODY = "Conversation assigned to you"
EMPTY_BODY = "New message"
BODY_LIMIT = 120
TITLE_LIMIT = 80
GATEWAY_ID = "agent_push"  # the bearer token cache key of google_api

_TAG = re.compile(r"<[^<>]*>")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?])")
_BIDI = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)])


class PushRetry(Exception):
    """Some devices failed transiently; the job is run again for them."""


@dataclass(frozen=True)
class Notification:
    title: str
    body: str
    data: dict[str, str]


@dataclass
class Outcome:
    """What one job run did, by push token id (tokens themselves are never reported)."""

    sent: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    transient: list[str] = field(default_factory=list)
    skipped: str | None = None

    def summary(self) -> str:
        if self.skipped:
            return f"skipped: {self.skipped}"
        return (f"sent {len(self.sent)}, removed {len(self.removed)}, "
                f"failed {len(self.failed)}, to retry {len(self.transient)}")


# --- configuration -------------------------------------------------------------------------


class ConfigError(Exception):
    """The push configuration is set but unusable; the message holds no secret."""


def gateway_config(environment: str) -> GatewayConfig | None:
    """The FCM connection from configuration, or None when pushes are not configured."""
    config = current_app.config
    raw = str(config.get("AGENT_PUSH_FCM_CREDENTIALS") or "").strip()
    if not raw:
        return None
    credentials = _credentials(raw)
    project_id = (str(config.get("AGENT_PUSH_FCM_PROJECT_ID") or "").strip()
                  or fcm_gateway.account_project(credentials))
    if not project_id:
        return None
    base_url = str(config.get("AGENT_PUSH_FCM_BASE_URL") or "").strip() or None
    return GatewayConfig(GATEWAY_ID, "fcm", "push", environment, base_url, credentials,
                         {"project_id": project_id})


def _credentials(raw: str) -> dict:
    raw = _resolve(raw, "AGENT_PUSH_FCM_CREDENTIALS")
    try:
        parsed = json.loads(raw)
    except ValueError:
        raise ConfigError("AGENT_PUSH_FCM_CREDENTIALS is not JSON") from None
    if not isinstance(parsed, dict):
        raise ConfigError("AGENT_PUSH_FCM_CREDENTIALS is not a JSON object")
    if "client_email" in parsed and "private_key" in parsed:  # a bare service account key
        return {"service_account": parsed}
    return {key: _resolve(value, f"AGENT_PUSH_FCM_CREDENTIALS.{key}")
            if isinstance(value, str) else value for key, value in parsed.items()}


def _resolve(value: str, what: str) -> str:
    try:
        return secretbox.resolve(value)
    except secretbox.UnsetReference as unset:
        raise ConfigError(f"{what} refers to the unset environment variable {unset}") from None


def _connection(environment: str, what: str) -> GatewayConfig | None:
    """The configured connection, or None with one log line saying why nothing is sent."""
    try:
        gateway = gateway_config(environment)
    except ConfigError as exc:
        current_app.logger.warning("agent push misconfigured (%s): %s not pushed", exc, what)
        return None
    if gateway is None:
        current_app.logger.info("agent push not configured (AGENT_PUSH_FCM_CREDENTIALS, "
                                "AGENT_PUSH_FCM_PROJECT_ID): %s not pushed", what)
    return gateway


def _retry() -> Retry | None:
    delays = [int(delay) for delay in current_app.config["AGENT_PUSH_RETRY_DELAYS"]]
    return Retry(max=len(delays), interval=delays) if delays else None


# --- scheduling (inside the dispatch step's transaction) -----------------------------------


def schedule_for_event(event: Event) -> list[str]:
    """Pick whose phones hear of a dispatched event; the user ids (pushed after commit).

    `message.received` goes to the conversation's assignee, or to the whole team while it
    is unassigned; `conversation.assigned` to the new assignee (nothing on unassign).
    """
    if event.type == MESSAGE_RECEIVED:
        assignee_id = db.session.scalar(select(Conversation.assignee_id).where(
            Conversation.partner_id == event.partner_id,
            Conversation.environment == event.environment,
            Conversation.id == event.data.get("conversation_id")))
        return _schedule(event.partner_id, event.environment, MESSAGE_RECEIVED,
                         event.object_id, assignee_id)
    if event.type == CONVERSATION_ASSIGNED and event.data.get("assignee_id"):
        return _schedule(event.partner_id, event.environment, CONVERSATION_ASSIGNED,
                         event.object_id, event.data["assignee_id"])
    return []


def _schedule(partner_id: str, environment: str, kind: str, object_id: str,
              assignee_id: str | None) -> list[str]:
    if _connection(environment, f"{kind} {object_id}") is None:
        return []
    statement = (select(PushToken.user_id).distinct()
                 .join(User, User.id == PushToken.user_id)
                 .where(PushToken.partner_id == partner_id,
                        PushToken.environment == environment,
                        User.partner_id == partner_id, User.role.in_(ROLES),
                        User.disabled_at.is_(None)))
    if assignee_id is not None:
        statement = statement.where(PushToken.user_id == assignee_id)
    user_ids = sorted(db.session.scalars(statement))
    if user_ids:
        tx.after_commit(lambda: _enqueue(user_ids, environment, kind, object_id))
    return user_ids


def _enqueue(user_ids: list[str], environment: str, kind: str, object_id: str) -> None:
    for user_id in user_ids:
        try:
            enqueue("jobs.push.push_notification", user_id, environment, kind, object_id,
                    queue="push", retry=_retry())
        except Exception:  # noqa: BLE001 - best effort: a push must never fail the change
            current_app.logger.warning("could not enqueue the %s push of %s to %s",
                                       kind, object_id, user_id)


# --- building the notification -------------------------------------------------------------


def plain_text(text: str | None, limit: int) -> str:
    """At most `limit` characters of plain text: no tags, controls or bidi overrides."""
    plain = html.unescape(text or "")
    while True:
        stripped = _TAG.sub(" ", plain)
        if stripped == plain:
            break
        plain = stripped
    plain = _TAG_START.sub("", plain).translate(_BIDI)
    plain = "".join(" " if unicodedata.category(c) == "Cc" else c for c in plain)
    plain = " ".join(plain.split())
    if len(plain) <= limit:
        return plain
    cut = plain[:limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def _scoped(model, partner_id: str, environment: str):
    return and_(model.partner_id == partner_id, model.environment == environment)


def build(user: User, environment: str, kind: str, object_id: str) -> Notification | None:
    """The notification for this user, or None when it is no longer theirs to get."""
    partner_id = user.partner_id
    if kind == MESSAGE_RECEIVED:
        message = db.session.scalar(select(Message).where(
            _scoped(Message, partner_id, environment), Message.id == object_id,
            Message.direction == "inbound"))
        conversation = message and db.session.scalar(select(Conversation).where(
            _scoped(Conversation, partner_id, environment),
            Conversation.id == message.conversation_id))
        if conversation is None or conversation.assignee_id not in (None, user.id):
            return None
        return Notification(_title(conversation, message.from_address),
                            plain_text(message.text, BODY_LIMIT) or EMPTY_BODY,
                            {"type": kind, "conversation_id": conversation.id,
                             "message_id": message.id})
    if kind == CONVERSATION_ASSIGNED:
        conversation = db.session.scalar(select(Conversation).where(
            _scoped(Conversation, partner_id, environment), Conversation.id == object_id))
        if conversation is None or conversation.assignee_id != user.id:
            return None
        latest = db.session.scalar(select(Message.id).where(
            _scoped(Message, partner_id, environment),
            Message.conversation_id == conversation.id).order_by(Message.id.desc()).limit(1))
        return Notification(_title(conversation, None), ASSIGNED_BODY,
                            {"type": kind, "conversation_id": conversation.id,
                             "message_id": latest or ""})
    raise ValueError(f"unknown push kind {kind}")


def _title(conversation: Conversation, address: str | None) -> str:
    """The contact's name, else its address on the conversation's channel."""
    where = _scoped(Contact, conversation.partner_id, conversation.environment)
    name = db.session.scalar(select(Contact.name).where(where,
                                                        Contact.id == conversation.contact_id))
    if not name and not address:
        address = db.session.scalar(select(ContactIdentity.address).where(
            _scoped(ContactIdentity, conversation.partner_id, conversation.environment),
            ContactIdentity.contact_id == conversation.contact_id,
            ContactIdentity.channel == conversation.channel).order_by(ContactIdentity.id))
    return plain_text(name or address, TITLE_LIMIT) or "Switchboard"


# --- sending (in the job) ------------------------------------------------------------------


def deliver(user_id: str, environment: str, kind: str, object_id: str,
            skip: set[str] | frozenset[str] = frozenset()) -> Outcome:
    """Send the notification to each of the user's devices in `environment` not in `skip`."""
    gateway = _connection(environment, f"{kind} {object_id} to {user_id}")
    if gateway is None:
        return Outcome(skipped="not configured")
    user = db.session.get(User, user_id)
    partner = user and user.partner_id and db.session.get(Partner, user.partner_id)
    if (not partner or partner.status != "active" or not user.is_active
            or user.role not in ROLES):
        tx.end_read()
        return Outcome(skipped="not a member of an active team")
    notification = build(user, environment, kind, object_id)
    devices = [] if notification is None else db.session.execute(
        select(PushToken.id, PushToken.token).where(
            _scoped(PushToken, partner.id, environment), PushToken.user_id == user_id)
        .order_by(PushToken.id)).all()
    tx.end_read()  # no transaction stays open across the HTTP calls
    if notification is None:
        return Outcome(skipped="no longer for this user")
    outcome = Outcome()
    for token_id, token in devices:
        if token_id not in skip:
            result = _send(gateway, token, notification)  # names one of outcome's lists
            getattr(outcome, result).append(token_id)
    if outcome.removed:
        db.session.execute(delete(PushToken).where(PushToken.id.in_(outcome.removed)))
        tx.commit()
    current_app.logger.info("agent push %s %s to %s: %s", kind, object_id, user_id,
                            outcome.summary())
    return outcome


def _send(gateway: GatewayConfig, token: str, notification: Notification) -> str:
    """One FCM HTTP v1 send: "sent", "removed" (dead token), "transient" or "failed"."""
    result, code = fcm_gateway.post_message(gateway, {
        "token": token,
        "notification": {"title": notification.title, "body": notification.body},
        "data": notification.data})
    if result.accepted:
        return "sent"
    if code == "UNREGISTERED" or (code == "INVALID_ARGUMENT"
                                  and "registration token" in (result.error or "").lower()):
        return "removed"
    current_app.logger.warning("agent push: %s", result.error)
    return "transient" if result.failure == "transient" else "failed"
