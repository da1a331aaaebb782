"""Set-up of the tenant the reliability traffic uses, and the checks that nothing was lost.

`lost()` reads the database (and the receiver's record) once everything is healthy again and
lists, per rule, what breaks it; the tests wait until the lists are empty, or fail with them.
"""

from __future__ import annotations

import time

import httpx
from sqlalchemy import func, select

from app import money
from app.extensions import db, redis_connection
from app.models import Event, Message, Wallet, WalletTransaction, WebhookEndpoint
from app.services.messaging import gateways
from app.services.tenancy import partners
from tests.factories import make_user
from tests.reliability._traffic import (
    TWILIO_ACCOUNT,
    TWILIO_NUMBER,
    TWILIO_TOKEN,
    Receiver,
    Tally,
)

FINAL = {"delivered", "read", "failed", "bounced"}
AGENT_PASSWORD = "correct horse battery staple"  # noqa: S105 - a test login
# Where each endpoint listens on the receiver, and the events it asked for (empty: all).
ENDPOINTS = {"/sandbox-all": ("sandbox", []),
             "/sandbox-final": ("sandbox", ["message.delivered", "message.failed"]),
             "/live-all": ("live", [])}


def provision(app, base: str, receiver: Receiver) -> dict:
    """A partner with plenty of play money, a live Twilio gateway taking inbound SMS, an
    agent signed in on the app, and three webhook endpoints on the receiver."""
    with app.app_context():
        provisioned = partners.create_partner(
            "Chaos", money.to_micros("1000"), money.to_micros("100000"))
        partner_id = provisioned.partner.id
        twilio = gateways.add_gateway(
            "sms", "twilio", "Twilio (fake)", partner_id=partner_id, environment="live",
            base_url="http://127.0.0.1:9", settings={"from": TWILIO_NUMBER},
            credentials={"account_sid": TWILIO_ACCOUNT, "auth_token": TWILIO_TOKEN}).id
        agent = make_user("agent", partner_id=partner_id, email="agent@chaos.example",
                          password=AGENT_PASSWORD)
        agent_email = agent.email
        db.session.remove()
    keys = {"sandbox": provisioned.test_key, "live": provisioned.live_key}
    with httpx.Client(base_url=base, timeout=20) as client:
        for path, (environment, types) in ENDPOINTS.items():
            receiver.add_endpoint(client, keys[environment], path, types)
        signed_in = client.post("/api/mobile/auth/token", json={
            "email": agent_email, "password": AGENT_PASSWORD, "environment": "sandbox"})
        assert signed_in.status_code == 200, signed_in.text
    return {"partner_id": partner_id, "sandbox_key": keys["sandbox"],
            "live_key": keys["live"], "twilio_gateway": twilio,
            "agent_token": signed_in.json()["access_token"]}


def queue_depths(app) -> dict[str, int]:
    """Jobs waiting in each RQ queue, and scheduled for later."""
    with app.app_context():
        client = redis_connection.client
        depths = {name: client.llen(f"rq:queue:{name}") for name in app.config["RQ_QUEUES"]}
        depths["scheduled"] = sum(client.zcard(f"rq:scheduled:{name}")
                                  for name in app.config["RQ_QUEUES"])
        return depths


def queue_depth(app) -> int:
    """Jobs waiting in the RQ queues."""
    depths = queue_depths(app)
    return sum(depths[name] for name in app.config["RQ_QUEUES"])


def drained(stack, setup: dict, tally: Tally, receiver: Receiver, seconds: float) -> dict:
    """Wait until the platform is healthy, its queues empty and nothing is missing any more
    (starting dead workers again meanwhile); what is still missing once nothing moved for
    `seconds`, or after four times that in all.

    The run asks whether anything is lost, not how fast two workers drain a backlog on a
    busy machine (that is bench/'s question): a backlog that keeps shrinking is waited for,
    a platform that stops making progress fails."""
    started = last_move = time.monotonic()
    problems: dict = {"unhealthy": ["/healthz never answered 200"]}
    left = None
    while time.monotonic() - last_move < seconds and time.monotonic() - started < 4 * seconds:
        stack.workers.supervise()
        if _healthy(stack.web.base):
            problems = lost(stack.app, setup, tally, receiver)
            depth = queue_depth(stack.app)
            if not problems and depth == 0:
                return {}
            now_left = depth + sum(len(v) if isinstance(v, list) else v
                                   for v in problems.values())
            if left is None or now_left < left:
                left, last_move = now_left, time.monotonic()
        time.sleep(1)
    return problems


def _healthy(base: str) -> bool:
    try:
        return httpx.get(base + "/healthz", timeout=5).status_code == 200
    except httpx.TransportError:
        return False


def lost(app, setup: dict, tally: Tally, receiver: Receiver) -> dict[str, list]:
    """Everything that breaks a rule, by rule (all lists empty: nothing lost)."""
    with app.app_context():
        try:
            return _lost(setup, tally, receiver)
        finally:
            db.session.remove()


def _lost(setup: dict, tally: Tally, receiver: Receiver) -> dict[str, list]:
    partner_id = setup["partner_id"]
    sent = db.session.scalars(select(Message).where(
        Message.partner_id == partner_id, Message.environment == "sandbox",
        Message.direction == "outbound")).all()
    by_id = {message.id: message for message in sent}
    accepted = set(tally.accepted.values())
    ledger: dict[str, list[str]] = {}
    for message_id, kind in db.session.execute(select(
            WalletTransaction.message_id, WalletTransaction.type).where(
            WalletTransaction.partner_id == partner_id,
            WalletTransaction.message_id.is_not(None))):
        ledger.setdefault(message_id, []).append(kind)
    inbound = db.session.execute(select(Message.environment, Message.provider_message_id).where(
        Message.partner_id == partner_id, Message.direction == "inbound")).all()
    inbound_ids = [pid for _, pid in inbound]
    problems = {
        # Every 202 has exactly one message, and no message exists without its 202.
        "202_without_message": sorted(accepted - by_id.keys()),
        "message_without_202": sorted(by_id.keys() - accepted),
        "keys_sharing_a_message": len(tally.accepted) - len(accepted),
        "not_one_debit": [i for i in by_id if ledger.get(i, []).count("debit") != 1],
        "refunds_over_one_or_unfailed": [
            i for i, m in by_id.items() if ledger.get(i, []).count("refund") > (
                1 if m.status in ("failed", "bounced") else 0)],
        "not_final": sorted(f"{i}:{m.status}" for i, m in by_id.items()
                            if m.status not in FINAL),
        # Every inbound callback answered 200 is one message, never two.
        "inbound_lost": sorted(tally.inbound_sids - set(inbound_ids)),
        "inbound_twice": sorted({p for p in inbound_ids if inbound_ids.count(p) > 1}),
        # The sandbox's scripted reply to +15005550009 arrives once the message is delivered.
        "reply_lost": sorted(i for i, m in by_id.items() if m.to_address == "+15005550009"
                             and m.status == "delivered" and f"sbx_in_{i}" not in inbound_ids),
        "unbalanced_wallets": _unbalanced_wallets(partner_id),
        **_webhooks_lost(partner_id, receiver),
    }
    return {rule: found for rule, found in problems.items() if found}


def _unbalanced_wallets(partner_id: str) -> list[str]:
    sums = dict(db.session.execute(select(
        WalletTransaction.wallet_id, func.sum(WalletTransaction.amount_micros)).where(
        WalletTransaction.partner_id == partner_id).group_by(WalletTransaction.wallet_id)).all())
    wallets = db.session.scalars(select(Wallet).where(Wallet.partner_id == partner_id)).all()
    return [f"{w.environment}: balance {w.balance_micros} != ledger {sums.get(w.id, 0)}"
            for w in wallets if w.balance_micros != sums.get(w.id, 0)]


def _webhooks_lost(partner_id: str, receiver: Receiver) -> dict[str, list]:
    """Every event reaches every matching endpoint, always under its own webhook-id."""
    endpoints = db.session.scalars(select(WebhookEndpoint).where(
        WebhookEndpoint.partner_id == partner_id)).all()
    path_of = {e.id: "/" + e.url.rsplit("/", 1)[1] for e in endpoints}
    with receiver.lock:
        received = list(receiver.received)
        invalid = list(receiver.invalid)
    got = {(path, envelope_id) for path, _, envelope_id, _ in received}
    missing = []
    for event in db.session.scalars(select(Event).where(Event.partner_id == partner_id)):
        for endpoint in endpoints:
            if (endpoint.environment == event.environment
                    and (not endpoint.event_types or event.type in endpoint.event_types)
                    and (path_of[endpoint.id], event.id) not in got):
                missing.append(f"{event.id} {event.type} -> {path_of[endpoint.id]}")
    return {"webhooks_missing": missing,
            "webhook_id_not_event_id": [r for r in received if r[1] != r[2]],
            "webhooks_unverified": invalid}
