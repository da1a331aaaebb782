"""inbox_flatness: the inbox at volume. With 1,000,000 messages in 100,000 conversations
(quick mode: 40,000 in 4,000), p50 of a list page 90% deep (keyset cursor) and of a thread,
as a ratio of p50 of the first page. Flat means indexes match every list's order and filter.

`load` writes the data fast: PostgreSQL COPY (psycopg's `cursor.copy`), or executemany in
big transactions on SQLite. The timings call the services the admin inbox, the mobile feed
and the API lists call (no HTTP: what grows with the data is the query, not the rendering).
Run: `python -m bench.inbox [--conversations N]`.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import random
import statistics
import time
from datetime import UTC, datetime, timedelta

from flask_migrate import upgrade
from sqlalchemy import insert

MESSAGES_PER_CONVERSATION = 10
CHUNK = 20_000


CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_serial = itertools.count()


def _id(prefix: str, moment: datetime) -> str:
    """A prefixed ULID for `moment`: its 48-bit time, then a serial for the 80 random bits
    (digits are Crockford characters too; a library ULID per row was most of the load)."""
    stamp, head = int(moment.replace(tzinfo=UTC).timestamp() * 1000), []
    for _ in range(10):
        stamp, digit = divmod(stamp, 32)
        head.append(CROCKFORD[digit])
    return f"{prefix}_{''.join(reversed(head))}{next(_serial):016d}"


def _rows(partner_id: str, environment: str, user_id: str, conversations: int, seed: int = 7):
    """Contacts, conversations and messages (as dicts per table), time-ordered ids."""
    rng = random.Random(seed)
    end = datetime.now(UTC).replace(tzinfo=None) - timedelta(minutes=5)
    span = timedelta(days=60).total_seconds()
    contacts, threads, messages = [], [], []
    for n in range(conversations):
        last = end - timedelta(seconds=rng.random() * span)
        first = last - timedelta(seconds=rng.random() * 86_400)
        contact_id = _id("con", first)
        address = f"+1555{n:07d}"
        contacts.append({"id": contact_id, "partner_id": partner_id, "environment": environment,
                         "name": f"Contact {n}", "attributes": "{}", "created_at": first,
                         "updated_at": first})
        conversation_id = _id("cnv", first)
        roll = rng.random()
        threads.append({"id": conversation_id, "partner_id": partner_id,
                        "environment": environment, "contact_id": contact_id,
                        "channel": "sms" if roll < 0.8 else "whatsapp",
                        "status": "open" if rng.random() < 0.8 else "closed",
                        "assignee_id": user_id if roll < 0.3 else None,
                        "last_message_at": last, "created_at": first, "updated_at": last})
        step = (last - first) / (MESSAGES_PER_CONVERSATION - 1)
        for k in range(MESSAGES_PER_CONVERSATION):
            moment = first + step * k
            inbound = k % 2 == 0
            messages.append({
                "id": _id("msg", moment), "partner_id": partner_id, "environment": environment,
                "channel": threads[-1]["channel"], "direction": "inbound" if inbound else
                "outbound", "to_address": "+15550000000" if inbound else address,
                "from_address": address if inbound else None,
                "status": "delivered", "text": f"message {k} of conversation {n}",
                "segments": 1, "conversation_id": conversation_id, "contact_id": contact_id,
                "cost_estimate_micros": 0, "currency": "USD", "retry_count": 0,
                "status_sequence": 0, "status_changed_at": moment, "created_at": moment,
                "updated_at": moment})
    return {"contacts": contacts, "conversations": threads, "messages": messages}


def load(partner_id: str, environment: str, user_id: str, conversations: int) -> float:
    """Write the inbox's data; return the seconds it took."""
    from app.extensions import db

    started = time.perf_counter()
    tables = _rows(partner_id, environment, user_id, conversations)
    engine = db.engine
    for name, rows in tables.items():
        table = db.metadata.tables[name]
        columns = list(rows[0])
        if engine.dialect.name == "postgresql":
            raw = engine.raw_connection()
            try:
                with raw.cursor() as cursor, cursor.copy(
                        f"COPY {name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row([row[c] for c in columns])
                raw.commit()
            finally:
                raw.close()
        else:
            for start in range(0, len(rows), CHUNK):
                chunk = [dict(row, attributes=json.loads(row["attributes"]))
                         if "attributes" in row else row for row in rows[start:start + CHUNK]]
                with engine.begin() as conn:
                    conn.execute(insert(table), chunk)
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            for name in tables:
                conn.exec_driver_sql(f"ANALYZE {name}")
        else:
            conn.exec_driver_sql("ANALYZE")
    return time.perf_counter() - started


def _p50(call, repeat: int) -> float:
    from app.extensions import db

    call()  # warm caches and the statement cache
    db.session.remove()
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
        db.session.remove()
    return statistics.median(samples)


def measure(app, partner_id: str, environment: str, user_id: str, repeat: int) -> dict:
    """p50s of the first and a 90%-deep page of each list, and of a thread; their ratios."""
    from sqlalchemy import select

    from app.extensions import db
    from app.models import Conversation, Message
    from app.services.inbox import conversations, inbox, threads
    from app.services.messaging import messages

    def deep(statement, depth=0.9):
        ids = db.session.scalars(statement).all()
        return ids[int(len(ids) * depth)] if ids else None

    with app.app_context():
        by_recent = (Conversation.updated_at.desc(), Conversation.id.desc())
        scope = (Conversation.partner_id == partner_id, Conversation.environment == environment)
        deep_all = db.session.get(Conversation, deep(select(Conversation.id).where(
            *scope, Conversation.status == "open").order_by(*by_recent)))
        deep_mine = db.session.get(Conversation, deep(select(Conversation.id).where(
            *scope, Conversation.status == "open", Conversation.assignee_id == user_id)
            .order_by(*by_recent)))
        deep_message = deep(select(Message.id).where(
            Message.partner_id == partner_id, Message.environment == environment)
            .order_by(Message.id.desc()))
        deep_conversation = deep(select(Conversation.id).where(*scope).order_by(
            Conversation.id.desc()))
        cursors = {"all": inbox.encode_cursor(deep_all), "mine": inbox.encode_cursor(deep_mine)}
        thread_id = deep_all.id
        db.session.remove()

        def rows(view, cursor=None):
            return lambda: threads.list_rows(partner_id, environment, user_id, view=view,
                                             cursor=cursor)

        def api(list_function, cursor=None):
            return lambda: list_function(partner_id, environment, limit=20, cursor=cursor)

        from app.services.pagination import encode_cursor
        times = {
            "inbox_first_ms": _p50(rows("all"), repeat),
            "inbox_deep_ms": _p50(rows("all", cursors["all"]), repeat),
            "inbox_mine_first_ms": _p50(rows("mine"), repeat),
            "inbox_mine_deep_ms": _p50(rows("mine", cursors["mine"]), repeat),
            "thread_ms": _p50(lambda: threads.thread(partner_id, environment, thread_id),
                              repeat),
            "feed_first_ms": _p50(lambda: inbox.agent_feed(partner_id, environment, user_id),
                                  repeat),
            "feed_deep_ms": _p50(lambda: inbox.agent_feed(
                partner_id, environment, user_id, cursor=cursors["all"]), repeat),
            "api_messages_first_ms": _p50(api(messages.list_messages), repeat),
            "api_messages_deep_ms": _p50(api(messages.list_messages,
                                             encode_cursor(deep_message)), repeat),
            "api_conversations_first_ms": _p50(api(conversations.list_conversations), repeat),
            "api_conversations_deep_ms": _p50(api(conversations.list_conversations,
                                                  encode_cursor(deep_conversation)), repeat),
        }
    values = {name: seconds * 1000 for name, seconds in times.items()}
    values["inbox_flatness"] = max(
        values["inbox_deep_ms"] / values["inbox_first_ms"],
        values["inbox_mine_deep_ms"] / values["inbox_mine_first_ms"],
        values["thread_ms"] / values["inbox_first_ms"])
    values["api_flatness"] = max(values["api_messages_deep_ms"]
                                 / values["api_messages_first_ms"],
                                 values["api_conversations_deep_ms"]
                                 / values["api_conversations_first_ms"])
    return values


def run(app, conversations: int = 100_000, repeat: int = 25) -> dict:
    """Load the inbox, then time it; every figure and measurement."""
    from app.services.tenancy import partners, users

    with app.app_context():
        partner_id = partners.create_partner("Bench inbox").partner.id
        user_id = users.create_user(f"agent{os.getpid()}@bench.example", "benchmark!",
                                    "agent", partner_id=partner_id).id
    with app.app_context():
        took = load(partner_id, "live", user_id, conversations)
    values = measure(app, partner_id, "live", user_id, repeat)
    values.update(inbox_messages=conversations * MESSAGES_PER_CONVERSATION,
                  inbox_load_s=took)
    return values


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=100_000)
    args = parser.parse_args()
    from bench import worker

    os.environ.update(worker.settings())
    from app import create_app

    application = create_app()
    with application.app_context():
        upgrade(directory=os.path.join(application.root_path, "migrations"))
    for key, value in run(application, args.conversations).items():
        print(f"{key}: {value:.3f}")
