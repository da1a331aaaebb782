"""Transaction boundaries for services: `commit()`, and `unit_of_work()` to join several.

Services end their writes with `tx.commit()`. Inside `unit_of_work()` that only flushes,
and the unit commits once at its end, so an effect and its idempotency record (or any
other pair of writes) land in one database transaction or not at all. A unit of many
small changes (`unit_of_work(batched=True)`) does not even flush at each: its writes reach
the database together at its end, a statement per kind of change rather than per change
(its queries still see them: the session flushes before each).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from flask import g

from app.errors import ApiError
from app.extensions import db


def commit() -> None:
    """Commit the session, or only flush when an enclosing unit of work will commit."""
    if g.get("unit_of_work_depth", 0):
        if not g.get("unit_of_work_batched"):
            db.session.flush()
    else:
        _commit_and_run_callbacks()


def end_read() -> None:
    """Close the current (read) transaction so the next statement begins a new one."""
    db.session.rollback()


def after_commit(callback: Callable[[], object]) -> None:
    """Run `callback` once the current transaction has committed (dropped on rollback).

    For side effects outside the database, such as enqueueing a job: they must never run
    for a transaction that did not commit, nor before its rows are visible to a worker.
    """
    g.setdefault("after_commit_callbacks", []).append(callback)


def after_commit_once(key: str, callback: Callable[[], object]) -> None:
    """`after_commit`, unless a callback under the same key already waits for this commit."""
    keys = g.setdefault("after_commit_keys", set())
    if key not in keys:
        keys.add(key)
        after_commit(callback)


def _commit_and_run_callbacks() -> None:
    db.session.commit()
    callbacks, g.after_commit_callbacks = g.get("after_commit_callbacks", []), []
    g.after_commit_keys = set()
    for callback in callbacks:
        callback()


def _discard_callbacks() -> None:
    g.after_commit_callbacks = []
    g.after_commit_keys = set()


@contextmanager
def unit_of_work(batched: bool = False) -> Iterator[None]:
    """Run the block's writes as one transaction: commit on success, roll back on error.

    `batched`: the commits inside do not flush either, so the changes of many rows go to
    the database together at the end (errors surface there too).
    """
    depth = g.get("unit_of_work_depth", 0)
    g.unit_of_work_depth = depth + 1
    outer_batched = g.get("unit_of_work_batched", False)
    g.unit_of_work_batched = outer_batched or batched
    try:
        yield
    except ApiError as error:
        g.unit_of_work_depth = depth
        g.unit_of_work_batched = outer_batched
        if depth == 0:
            if error.keep_changes:
                _commit_and_run_callbacks()
            else:
                db.session.rollback()
                _discard_callbacks()
        raise
    except BaseException:
        if depth == 0:
            db.session.rollback()
            _discard_callbacks()
        g.unit_of_work_depth = depth
        g.unit_of_work_batched = outer_batched
        raise
    g.unit_of_work_depth = depth
    g.unit_of_work_batched = outer_batched
    if depth == 0:
        try:
            _commit_and_run_callbacks()
        except BaseException:
            db.session.rollback()
            _discard_callbacks()
            raise
