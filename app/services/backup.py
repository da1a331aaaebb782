"""A consistent copy of the database taken while the app runs, and restoring one.

SQLite: the online backup API (`sqlite3.Connection.backup`) copies every page in one step
inside one read transaction, so the copy is the database of one moment while writers carry
on (WAL); it is written beside PATH and renamed into place, so PATH never holds half a copy.
PostgreSQL: `pg_dump` of the app's schema (the one first on its search path), which reads
from one snapshot: `custom` format (restored with `pg_restore`) or `plain` SQL (with `psql`).
A restore refuses to overwrite a database that already has tables unless forced; stop the
web and worker processes before restoring.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, Engine

from app.extensions import db

FORMATS = ("custom", "plain")
SQLITE_MAGIC = b"SQLite format 3\x00"
CUSTOM_MAGIC = b"PGDMP"


class BackupError(Exception):
    """Why a backup or restore could not be made, in words for the operator."""


def backup(path: str, fmt: str = "custom") -> str:
    """Copy the configured database to `path`; returns what was copied, for the operator."""
    engine = db.engine
    if engine.dialect.name == "sqlite":
        source = _sqlite_file(engine)
        _atomically(path, lambda partial: _sqlite_copy(source, partial, compact=True))
        return f"SQLite database {source}"
    if engine.dialect.name == "postgresql":
        if fmt not in FORMATS:
            raise BackupError(f"Unknown format {fmt!r}: use one of {', '.join(FORMATS)}.")
        schema = _schema(engine)
        _atomically(path, lambda partial: _pg_dump(engine, schema, partial, fmt))
        return f"PostgreSQL schema {schema} ({fmt} format)"
    raise BackupError(f"No backup for {engine.dialect.name} databases.")


def restore(path: str, force: bool = False) -> str:
    """Load the backup at `path` into the configured database; returns what was restored."""
    if not os.path.isfile(path):
        raise BackupError(f"No backup file at {path}.")
    engine = db.engine
    if inspect(engine).get_table_names() and not force:
        raise BackupError("The database already has tables: restore into an empty database, "
                          "or pass --force to replace its contents.")
    with open(path, "rb") as handle:
        head = handle.read(16)
    db.session.remove()
    engine.dispose()  # no pooled connection may hold the old database open
    if engine.dialect.name == "sqlite":
        if not head.startswith(SQLITE_MAGIC):
            raise BackupError(f"{path} is not an SQLite backup.")
        _check_sqlite(path)
        target = _sqlite_file(engine)
        _sqlite_copy(path, target, compact=False)
        return f"SQLite database {target}"
    if engine.dialect.name == "postgresql":
        custom = head.startswith(CUSTOM_MAGIC)
        _pg_restore(engine, path, custom)
        return f"PostgreSQL database {engine.url.database} ({'custom' if custom else 'plain'})"
    raise BackupError(f"No restore for {engine.dialect.name} databases.")


def _atomically(path: str, write) -> None:
    partial = f"{path}.partial"
    Path(partial).unlink(missing_ok=True)
    try:
        write(partial)
        os.replace(partial, path)
    finally:
        Path(partial).unlink(missing_ok=True)


def _sqlite_file(engine: Engine) -> str:
    name = engine.url.database
    if not name or name == ":memory:" or name.startswith("file::memory:"):
        raise BackupError("The database is in memory: there is no file to back up.")
    return name


def _sqlite_copy(source: str, target: str, *, compact: bool) -> None:
    reader = sqlite3.connect(source, timeout=30)
    writer = sqlite3.connect(target, timeout=30)
    try:
        with writer:
            reader.backup(writer)  # all pages in one step: one consistent moment
        if compact:  # a backup is one self-contained file, not a database plus its WAL
            writer.execute("PRAGMA journal_mode=DELETE")
    finally:
        writer.close()
        reader.close()


def _check_sqlite(path: str) -> None:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{path} is not a readable SQLite database: {exc}.") from None
    finally:
        connection.close()
    if verdict != "ok":
        raise BackupError(f"{path} fails SQLite's integrity check: {verdict}.")


def _schema(engine: Engine) -> str:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT current_schema()"))


def _client(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise BackupError(f"{name} is not on PATH: install the PostgreSQL client tools "
                          "(the server's major version or newer), e.g. postgresql-client.")
    return found


def _libpq(url: URL) -> tuple[str, dict]:
    """The URL for the PostgreSQL tools (no driver name) and their environment, which
    carries the password so it never shows in a process listing."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict) -> None:
    # The PostgreSQL tools found on PATH, with the configured database: no shell, no input.
    result = subprocess.run(command, env=env, capture_output=True,  # noqa: S603
                            text=True, check=False)
    if result.returncode != 0:
        tool = os.path.basename(command[0])
        raise BackupError(f"{tool} failed ({result.returncode}): {result.stderr.strip()}")


def _pg_dump(engine: Engine, schema: str, path: str, fmt: str) -> None:
    dsn, env = _libpq(engine.url)
    command = [_client("pg_dump"), f"--format={fmt[0]}", f'--schema="{schema}"',
               "--no-owner", "--no-privileges", f"--file={path}", f"--dbname={dsn}"]
    if fmt == "plain":  # restorable over an older copy, like pg_restore --clean
        command += ["--clean", "--if-exists"]
    _run(command, env)


def _pg_restore(engine: Engine, path: str, custom: bool) -> None:
    dsn, env = _libpq(engine.url)
    if custom:
        command = [_client("pg_restore"), "--clean", "--if-exists", "--no-owner",
                   "--no-privileges", "--exit-on-error", "--single-transaction",
                   f"--dbname={dsn}", path]
    else:
        command = [_client("psql"), "--no-psqlrc", "--quiet", "--set", "ON_ERROR_STOP=1",
                   "--single-transaction", f"--file={path}", f"--dbname={dsn}"]
    _run(command, env)
