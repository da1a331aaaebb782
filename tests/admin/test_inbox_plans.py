"""Lists stay flat at volume: the query each list runs is answered from an index in the
list's order, with no sort of the matching rows (checked with the database's own EXPLAIN
on the SQL the services emit), and the deep pages use a keyset row comparison."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import event

from app.extensions import db
from app.models import Conversation
from app.models.base import utcnow
from app.services.inbox import contacts, conversations, inbox, threads
from app.services.messaging import messages
from app.services.pagination import encode_cursor
from tests.admin._inbox import make_team


@contextmanager
def _captured():
    statements: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)


def _plan(statement: str, parameters) -> str:
    """The database's plan of one statement, as text (sorts and seq scans priced out)."""
    with db.engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            for setting in ("enable_seqscan", "enable_sort", "enable_bitmapscan"):
                conn.exec_driver_sql(f"SET LOCAL {setting} = off")
            rows = conn.exec_driver_sql("EXPLAIN " + statement, parameters).all()
        else:
            rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
        conn.rollback()
    return "\n".join(str(row[-1]) for row in rows)


def _list_plan(call, order_by: str) -> str:
    with _captured() as statements:
        call()
    db.session.remove()  # the list's transaction ends before the EXPLAIN's begins
    [(statement, parameters)] = [(s, p) for s, p in statements if order_by in s]
    return _plan(statement, parameters)


def _assert_index_order(plan: str, table: str) -> None:
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan  # no sort of the rows
    assert f"SCAN {table}\n" not in plan + "\n" and "Seq Scan" not in plan, plan
    assert "INDEX" in plan.upper(), plan


@pytest.fixture
def scope(app, app_ctx):
    team = make_team(app)
    return team.partner_id, team.agent


@pytest.mark.parametrize("filters", [
    {"view": "all", "status": "open"}, {"view": "mine", "status": "open"},
    {"view": "unassigned", "status": "open"}, {"view": "all", "status": "open",
                                                  "channel": "sms"}])
def test_every_inbox_list_pages_deep_on_an_index_in_its_order(scope, filters):
    partner_id, user_id = scope
    cursor = inbox.encode_cursor(Conversation(id="cnv_01HNQX2P8Y9R3T4V5W6Z7A8B9C",
                                              updated_at=utcnow()))
    plan = _list_plan(lambda: threads.list_rows(partner_id, "live", user_id, cursor=cursor,
                                                **filters),
                      "conversations.updated_at DESC")
    _assert_index_order(plan, "conversations")


def test_the_agent_feed_pages_on_an_index_in_its_order(scope):
    partner_id, user_id = scope
    plan = _list_plan(lambda: inbox.agent_feed(partner_id, "live", user_id),
                      "conversations.updated_at DESC")
    _assert_index_order(plan, "conversations")


@pytest.mark.parametrize(("lister", "table"), [
    (messages.list_messages, "messages"), (conversations.list_conversations, "conversations"),
    (contacts.list_contacts, "contacts")])
def test_the_api_lists_page_deep_on_an_index_in_their_order(scope, lister, table):
    partner_id, _ = scope
    cursor = encode_cursor(f"{table[:3]}_01HNQX2P8Y9R3T4V5W6Z7A8B9C")
    plan = _list_plan(lambda: lister(partner_id, "live", cursor=cursor),
                      f"ORDER BY {table}.id DESC")
    _assert_index_order(plan, table)
