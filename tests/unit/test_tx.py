"""Transaction boundaries: one commit per unit of work, callbacks only after commit."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.errors import ApiError
from app.extensions import db
from app.models import Partner
from app.services import tx


def _partners() -> int:
    return db.session.scalar(select(func.count()).select_from(Partner))


def test_a_unit_of_work_commits_once_and_then_runs_callbacks(app_ctx):
    ran = []
    with tx.unit_of_work():
        db.session.add(Partner(name="A"))
        tx.commit()  # only flushes inside the unit
        tx.after_commit(lambda: ran.append(_partners()))
        assert ran == []
    assert ran == [1]


def test_an_error_rolls_the_whole_unit_back_and_drops_callbacks(app_ctx):
    ran = []
    with pytest.raises(RuntimeError), tx.unit_of_work():
        db.session.add(Partner(name="A"))
        tx.commit()
        tx.after_commit(lambda: ran.append("never"))
        raise RuntimeError("boom")
    assert _partners() == 0 and ran == []
    with tx.unit_of_work():
        pass
    assert ran == []  # a later commit does not run the dropped callback


def test_an_api_error_rolls_back_unless_it_keeps_its_changes(app_ctx):
    with pytest.raises(ApiError), tx.unit_of_work():
        db.session.add(Partner(name="rolled back"))
        raise ApiError("conflict")
    with pytest.raises(ApiError), tx.unit_of_work():
        db.session.add(Partner(name="kept"))
        raise ApiError("invalid_token", keep_changes=True)
    assert db.session.scalars(select(Partner.name)).all() == ["kept"]


def test_a_batched_unit_writes_its_changes_together_at_its_end(app_ctx):
    with tx.unit_of_work(batched=True):
        db.session.add(Partner(name="A"))
        tx.commit()  # not even a flush
        with tx.unit_of_work():  # an inner unit stays batched
            db.session.add(Partner(name="B"))
            tx.commit()
        assert len(db.session.new) == 2
        assert _partners() == 2  # its own queries still see them (autoflush)
        db.session.add(Partner(name="C"))
    assert _partners() == 3
    with tx.unit_of_work():
        db.session.add(Partner(name="D"))
        tx.commit()
        assert not db.session.new  # an ordinary unit flushes at each commit again


def test_nested_units_commit_only_at_the_outermost(app_ctx):
    with pytest.raises(RuntimeError), tx.unit_of_work():
        with tx.unit_of_work():
            db.session.add(Partner(name="inner"))
        raise RuntimeError("outer fails after the inner unit ended")
    assert _partners() == 0


def test_a_keyed_callback_runs_once_per_commit(app_ctx):
    ran = []
    for commit in range(2):
        with tx.unit_of_work():
            for n in range(3):
                tx.after_commit_once("endpoint", lambda n=n, c=commit: ran.append((c, n)))
            tx.after_commit_once("other", lambda c=commit: ran.append((c, "other")))
    assert ran == [(0, 0), (0, "other"), (1, 0), (1, "other")]
    with pytest.raises(RuntimeError), tx.unit_of_work():
        tx.after_commit_once("endpoint", lambda: ran.append("never"))
        raise RuntimeError("boom")
    with tx.unit_of_work():
        tx.after_commit_once("endpoint", lambda: ran.append("after a rollback"))
    assert ran[-1] == "after a rollback"
