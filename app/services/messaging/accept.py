"""Accepting sends, one or a thousand at a time, with the same rules and few statements.

`prepare` checks one send (channel rules, verified sender, template, price) and returns its
`Draft`, or raises the ApiError that send is refused with; `Lookups` keeps what the sends of
one call share (senders, templates, prices) so each is read once. `write` charges and writes
drafts in the caller's transaction with a statement per kind of row, however many there are:

1. the recipients' contacts are found or created, and locked (`recipients`);
2. the wallet is debited once for the total, with a ledger row per message, by one
   conditional UPDATE — contacts before the wallet is the lock order of every send, so
   concurrent sends never deadlock. When the balance does not cover them all, the wallet is
   locked and each draft is paid for in order as if it were sent on its own; a draft the
   balance left for it cannot pay is returned as short, writes nothing, and the contacts
   created for it alone are deleted again;
3. the open conversations are found or opened, then the messages and their first `queued`
   status events are inserted, and after commit the send jobs go to Redis in one pipeline
   (when Redis is down the messages stay `queued` and the sweeper enqueues them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import SimpleNamespace

from sqlalchemy import insert
from sqlalchemy.orm import make_transient_to_detached

from app.channels import validate_send
from app.errors import ApiError
from app.extensions import db
from app.models import Message, MessageEvent
from app.models.base import new_id, utcnow
from app.money import format_price
from app.services import tx
from app.services.billing import prices, wallet
from app.services.inbox import recipients
from app.services.messaging import delivery, senders, templates

# Core inserts, built once: the ORM's bulk insert cost more than it gave here (issue 10).
_INSERT_MESSAGES = insert(Message.__table__)
_INSERT_EVENTS = insert(MessageEvent.__table__)


@dataclass
class Draft:
    """A checked and priced send, not yet charged or written."""

    message_id: str
    channel: str
    to: str
    cost_micros: int
    columns: dict  # the message's columns that come from the send itself
    index: int = 0  # its place in the caller's list


@dataclass
class Short:
    """A draft the wallet could not pay for, and the balance that was left for it."""

    draft: Draft
    balance_micros: int
    currency: str

    def error(self) -> ApiError:
        """The 402 a send refused for want of funds answers with."""
        return ApiError(
            "insufficient_funds",
            f"Balance {format_price(self.balance_micros)} {self.currency} is below the "
            f"estimate {format_price(self.draft.cost_micros)} {self.currency}.")


@dataclass
class Lookups:
    """What the sends of one call share, read once: verified senders, templates, prices."""

    partner_id: str
    environment: str
    _senders: set = field(default_factory=set)
    _templates: dict = field(default_factory=dict)
    _prices: dict = field(default_factory=dict)

    def require_sender(self, channel: str, address: str) -> None:
        if (channel, address) not in self._senders:
            senders.require_verified(self.partner_id, channel, address)  # raises when not
            self._senders.add((channel, address))

    def template(self, channel: str, name: str, language: str) -> templates.TemplateRef | None:
        key = (channel, name, language)
        if key not in self._templates:
            self._templates[key] = templates.named(self.partner_id, self.environment,
                                                   channel=channel, name=name, language=language)
        return self._templates[key]

    def unit_price(self, channel: str, country_code: str | None) -> int:
        key = (channel, country_code)
        if key not in self._prices:
            self._prices[key] = prices.unit_price(channel, country_code)
        return self._prices[key]


def prepare(lookups: Lookups, payload: dict, *, fallback_of: str | None = None,
            index: int = 0) -> Draft:
    """Check and price one send; raises the ApiError it is refused with (422)."""
    validated = validate_send(payload)
    channel = validated.channel.name
    if validated.from_ is not None:
        lookups.require_sender(channel, validated.from_)
    language = variables = None
    if validated.template is not None:
        found = lookups.template(channel, validated.template, validated.language)
        if found is None:
            raise ApiError("template_not_found",
                           f"No template `{validated.template}` in language "
                           f"`{validated.language}` on {channel}; create it with "
                           "POST /api/v1/templates.", param="template")
        templates.check_variables(found, validated.variables)
        language = found.language
        # Stored in the template's placeholder order: positional providers rely on it.
        variables = {name: validated.variables[name] for name in found.variables}
    cost = lookups.unit_price(channel, validated.country_code) * validated.segments
    return Draft(new_id("msg"), channel, validated.to, cost, {
        "channel": channel, "direction": "outbound", "to_address": validated.to,
        "from_address": validated.from_, "status": "queued", "template": validated.template,
        "language": language, "variables": variables, "text": validated.text,
        "subject": validated.subject, "html": validated.html, "title": validated.title,
        "meta": validated.metadata or None, "segments": validated.segments,
        "cost_estimate_micros": cost, "cost_micros": None, "gateway_id": None,
        "provider_message_id": None, "retry_count": 0, "last_error": None,
        "fallback_of_id": fallback_of, "status_sequence": 1, "next_attempt_at": None,
    }, index)


def _pay(drafts: list[Draft], balance: int, currency: str) -> tuple[list[Draft], list[Short]]:
    paid, short = [], []
    for draft, ok in zip(drafts, wallet.affordable(balance, [d.cost_micros for d in drafts]),
                         strict=True):
        if ok:
            paid.append(draft)
            balance -= draft.cost_micros
        else:
            short.append(Short(draft, balance, currency))
    return paid, short


def _charges(drafts: list[Draft]) -> list[wallet.Charge]:
    return [wallet.Charge(d.message_id, d.cost_micros, f"{d.channel} message") for d in drafts]


def write(partner_id: str, environment: str,
          drafts: list[Draft]) -> tuple[list[dict], list[Short]]:
    """Charge and write the drafts the wallet pays for (see the module docstring); return
    the written messages' rows, in order, and the drafts that were short."""
    if not drafts:
        return [], []
    now = utcnow()
    owners, created = recipients.resolve_contacts(
        partner_id, environment, {(d.channel, d.to) for d in drafts}, now)
    paid, short = drafts, []
    debited = wallet.debit_many(partner_id, environment, _charges(drafts))
    if debited is None:
        # The balance does not cover them all: decide each, in order, on the locked balance.
        _, balance, currency = wallet.locked_balance_of(partner_id, environment)
        paid, short = _pay(drafts, balance, currency)
        recipients.forget_contacts(created - {owners[(d.channel, d.to)] for d in paid})
        if not paid:
            return [], short
        debited = wallet.debit_many(partner_id, environment, _charges(paid))
        if debited is None:
            raise RuntimeError("a locked wallet refused the debit it was checked for")
    currency = debited.currency
    conversations = recipients.open_conversations(
        partner_id, environment, {(owners[(d.channel, d.to)], d.channel) for d in paid}, now)
    rows = []
    for draft in paid:
        contact_id = owners[(draft.channel, draft.to)]
        rows.append({**draft.columns, "id": draft.message_id, "partner_id": partner_id,
                     "environment": environment, "contact_id": contact_id,
                     "conversation_id": conversations[(contact_id, draft.channel)],
                     "currency": currency, "status_changed_at": now, "created_at": now,
                     "updated_at": now})
    # The table's column keys: the model's `meta` attribute is the column `metadata`.
    db.session.execute(_INSERT_MESSAGES, [
        {**{k: v for k, v in row.items() if k != "meta"}, "metadata": row["meta"]}
        for row in rows])
    db.session.execute(_INSERT_EVENTS, [
        {"id": new_id("mev"), "partner_id": partner_id, "environment": environment,
         "message_id": row["id"], "sequence": 1, "status": "queued", "detail": None,
         "occurred_at": now, "recorded_at": now} for row in rows])
    # After commit, so the worker finds the rows; a failed enqueue is left to the sweeper.
    # One job sends every queued message (`messaging.drain`), not a job each.
    tx.after_commit_once("send:queued", delivery.schedule_sending)
    return rows, short


def as_message(row: dict) -> Message:
    """The written row as a persistent Message of the session, without reading it back."""
    message = Message(**row)
    make_transient_to_detached(message)
    db.session.add(message)
    return message


def as_view(row: dict) -> SimpleNamespace:
    """The written row with a Message's attributes, for rendering many at little cost."""
    return SimpleNamespace(**row)
