"""The schema: tenant scoping on every tenant table, migrations equal to the models."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.extensions import db
from app.models import Event, Partner, TenantScoped
from app.models.base import ID_PATTERN
from tests.api.test_pipeline_costs import statements

# Platform-level tables, each with the reason it carries no (partner_id, environment) pair.
NOT_TENANT_SCOPED = {
    "partners": "the tenant itself",
    "users": "a team member works in both environments; carries partner_id",
    "audit_log": "also records operator actions with no tenant; partner/environment nullable",
    "gateways": "platform-shared providers have no partner; carries environment",
    "verified_senders": "verified once for both environments (the sandbox refuses what "
                        "production would); carries partner_id",
    "evaluation_requests": "a prospect before any partner exists; carries partner_id once "
                           "approved",
    "invitations": "belongs to a user (a team member works in both environments)",
    "price_overrides": "platform prices set by operators, the same for every partner",
    "unrouted_inbound": "inbound on a shared gateway whose partner is not known (yet); "
                        "carries routed_partner_id once a route delivers it",
}


def test_every_tenant_table_carries_partner_and_environment(app):
    with app.app_context():
        for mapper in db.Model.registry.mappers:
            table = mapper.local_table.name
            columns = set(mapper.local_table.columns.keys())
            if table in NOT_TENANT_SCOPED:
                assert not issubclass(mapper.class_, TenantScoped), table
                continue
            assert issubclass(mapper.class_, TenantScoped), f"{table} is not tenant-scoped"
            assert {"partner_id", "environment"} <= columns, table
            assert not mapper.local_table.c.partner_id.nullable, table
            assert not mapper.local_table.c.environment.nullable, table


def test_platform_tables_say_whom_they_belong_to(app):
    with app.app_context():
        tables = db.metadata.tables
        assert "partner_id" in tables["users"].c
        assert {"partner_id", "environment"} <= set(tables["audit_log"].c.keys())
        assert "environment" in tables["gateways"].c


def test_a_new_object_has_its_id_as_it_is_made_so_new_rows_go_out_without_returning(app):
    assert Event(id="evt_01HNQX2P8Y9R3T4V5W6Z7A8B9C").id == "evt_01HNQX2P8Y9R3T4V5W6Z7A8B9C"
    made = [Partner(name=f"P{n}") for n in range(3)]
    assert all(ID_PATTERN.match(row.id) and row.id.startswith("ptr_") for row in made)
    with app.app_context():
        with statements(app) as sql:
            db.session.add_all(made)
            db.session.flush()
        db.session.rollback()
    # One executemany; before, an INSERT ... RETURNING the ids it had to learn.
    [insert] = [statement for statement in sql if statement.startswith("INSERT")]
    assert "RETURNING" not in insert.upper(), insert


def test_migrated_database_matches_the_models(app):
    """Autogenerate against the migrated session database finds nothing to change."""
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, db.metadata) == []


def test_migrations_go_down_and_up_on_a_fresh_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    fresh = create_app({"ENV_NAME": "testing", "DATABASE_URL": url})
    directory = os.path.join(fresh.root_path, "migrations")
    with fresh.app_context():
        upgrade(directory=directory)
        tables = set(inspect(db.engine).get_table_names())
        assert {"partners", "access_keys", "users", "wallets", "wallet_transactions",
                "audit_log"} <= tables
        downgrade(directory=directory, revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade(directory=directory)
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, db.metadata) == []
        db.engine.dispose()


def test_sqlite_runs_in_wal_mode(app):
    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the embedded default is SQLite; this run uses " + db.engine.dialect.name)
        with db.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1



def test_sqlite_writers_begin_immediate_and_pure_reads_deferred(app):
    """Writers take the write lock up front (they queue, never fail); API reads run beside them."""
    from sqlalchemy import event, text

    from app.database import reads_only

    with app.app_context():
        if db.engine.dialect.name != "sqlite":
            pytest.skip("the embedded default is SQLite; this run uses " + db.engine.dialect.name)
        begun = []

        def record(conn, cursor, statement, *_args):
            if statement.startswith("BEGIN"):
                begun.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            db.session.execute(text("SELECT 1"))
            db.session.rollback()
            with reads_only():
                db.session.execute(text("SELECT 1"))
                db.session.rollback()
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        assert begun == ["BEGIN IMMEDIATE", "BEGIN"]
