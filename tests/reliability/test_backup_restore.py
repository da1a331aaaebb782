"""The restore drill: messages and ledger entries written (sends, deliveries, failures and
their refunds), `flask db backup` taken in its own process while sends keep arriving,
`flask db restore` into a fresh database, and every message and ledger entry found intact:
all those written before the backup, each exactly as it was, no row the source never had,
every message with its debit, and every balance the sum of its ledger."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.database import sqlalchemy_url
from app.extensions import db

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# Delivered, failed at the gateway (refunded), and sent but never delivered (sandbox magic).
RECIPIENTS = ("+15005550006", "+15005550001", "+15005550004")

pytestmark = pytest.mark.slow  # spawns `flask` processes


def flask(*args: str, **env: str) -> subprocess.CompletedProcess:
    """`flask --app wsgi ARGS` in a process of its own, as an operator runs it."""
    env = {**os.environ, **env}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=300, check=False)


def state(engine) -> dict:
    """Every message, ledger entry and wallet of a database, by id."""
    with engine.connect() as connection:
        def rows(query):
            return {row[0]: tuple(row[1:]) for row in connection.execute(text(query))}

        return {
            "messages": rows("SELECT id, partner_id, environment, status, to_address, "
                             "cost_estimate_micros FROM messages"),
            "ledger": rows("SELECT id, wallet_id, type, amount_micros, balance_after_micros, "
                           "message_id FROM wallet_transactions"),
            "wallets": rows("SELECT id, balance_micros FROM wallets"),
        }


class Sender(threading.Thread):
    """Keeps sending through the API until stopped: the traffic a backup runs beside."""

    def __init__(self, app, key: str):
        super().__init__(daemon=True)
        self.client, self.key = app.test_client(), key
        self.stop, self.sent = threading.Event(), []
        self.first = threading.Event()

    def run(self):
        while not self.stop.is_set():
            answer = self.client.post("/api/v1/messages", json={
                "channel": "sms", "to": RECIPIENTS[0], "text": "During the backup"},
                headers={"Authorization": f"Bearer {self.key}",
                         "Idempotency-Key": str(uuid.uuid4())})
            assert answer.status_code == 202, answer.json
            self.sent.append(answer.json["id"])
            self.first.set()
            self.stop.wait(0.01)  # steady traffic, not a flood of rows to compare


@pytest.fixture
def fresh_database(app, tmp_path):
    """An empty database beside the session's: a file on SQLite, a new database on
    PostgreSQL (a schema dump restores under its own schema name)."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    name = f"switchboard_restore_{os.getpid()}"
    admin = create_engine(sqlalchemy_url(url.split("?")[0]), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.parametrize("fmt", ["custom", "plain"])
def test_a_backup_taken_under_traffic_restores_every_message_and_ledger_entry(
        app, tenant, drain, tmp_path, fresh_database, fmt):
    if fmt == "plain" and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("the plain format is pg_dump's; SQLite has one kind of copy")
    for number in range(12):
        sent = tenant.sandbox.post("/messages", json={
            "channel": "sms", "to": RECIPIENTS[number % 3], "text": f"Seed {number}"})
        assert sent.status_code == 202, sent.json
    drain()  # delivered, failed with a refund, or left at sent
    with app.app_context():
        before = state(db.engine)
    assert any(entry[1] == "refund" for entry in before["ledger"].values())
    sender = Sender(app, tenant.sandbox.key)
    sender.start()
    try:
        assert sender.first.wait(60)
        during = len(sender.sent)
        path = str(tmp_path / f"switchboard.{fmt}")
        made = flask("db", "backup", path, "--format", fmt)
        assert made.returncode == 0, made.stderr
        after_backup = len(sender.sent)
        while len(sender.sent) == after_backup and sender.is_alive():
            sender.join(0.01)  # one more send after the copy: traffic ran beside it
    finally:
        sender.stop.set()
        sender.join(60)
    assert after_backup > during, "no send completed while the backup ran"
    with app.app_context():
        after = state(db.engine)

    restored = flask("db", "restore", path, DATABASE_URL=fresh_database)
    assert restored.returncode == 0, restored.stderr
    engine = create_engine(sqlalchemy_url(fresh_database))
    copy = state(engine)
    engine.dispose()

    for kind in ("messages", "ledger"):
        assert before[kind].items() <= copy[kind].items(), kind  # all there, unchanged
        assert copy[kind].items() <= after[kind].items(), kind  # nothing the source lacks
        assert len(copy[kind]) >= len(before[kind]) + during
    debits = {entry[4] for entry in copy["ledger"].values() if entry[1] == "debit"}
    assert set(copy["messages"]) == debits  # every message has its debit, and only those
    for wallet, (balance,) in copy["wallets"].items():
        assert balance == sum(entry[2] for entry in copy["ledger"].values()
                              if entry[0] == wallet), wallet
    assert sum(e[2] for e in copy["ledger"].values()) == sum(
        after["ledger"][i][2] for i in copy["ledger"])


def test_restore_refuses_a_database_with_tables_unless_forced(app, tenant, tmp_path,
                                                              fresh_database):
    assert tenant.sandbox.post("/messages", json={
        "channel": "sms", "to": RECIPIENTS[0], "text": "Kept"}).status_code == 202
    path = str(tmp_path / "switchboard.backup")
    assert flask("db", "backup", path).returncode == 0
    assert flask("db", "restore", path, DATABASE_URL=fresh_database).returncode == 0
    refused = flask("db", "restore", path, DATABASE_URL=fresh_database)
    assert refused.returncode != 0 and "already has tables" in refused.stderr
    forced = flask("db", "restore", "--force", path, DATABASE_URL=fresh_database)
    assert forced.returncode == 0, forced.stderr
    engine = create_engine(sqlalchemy_url(fresh_database))
    with app.app_context():
        assert state(engine) == state(db.engine)
    engine.dispose()


def test_backup_without_pg_dump_says_so(app, tmp_path):
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("SQLite needs no client tool")
    made = flask("db", "backup", str(tmp_path / "x.dump"), PATH=str(tmp_path))  # none there
    assert made.returncode != 0 and "pg_dump is not on PATH" in made.stderr
