"""The sliding window counter of app.api.ratelimit, in Redis and in the in-process fallback.

The previous fixed window's count weighs as much as it still overlaps the sliding window;
both implementations answer the same. Times are given, never waited for.
"""

from __future__ import annotations

import pytest

from app.api import ratelimit
from app.api.ratelimit import Lock, Window


def _redis(windows, now, **kwargs):
    return ratelimit.run(windows, now=now, **kwargs)


def _memory(store):
    return lambda windows, now, **_: store.run(windows, now=now)


@pytest.fixture(params=["redis", "memory"])
def runner(request, app_ctx):
    return _redis if request.param == "redis" else _memory(ratelimit._Memory())


def test_a_full_window_refuses_then_its_weight_fades_through_the_next(runner):
    window = Window("test:fade", 4)
    start = 600 * 60.0  # the start of a fixed window
    assert [runner([window], start + 50).refused for _ in range(4)] == [None] * 4
    assert runner([window], start + 55).refused is window  # 4 used: full
    # A quarter into the next window the old 4 still weigh 3: one more fits, not two.
    assert runner([window], start + 75).refused is None
    assert runner([window], start + 75).refused is window
    # Three quarters in they weigh 1 (+1 new): two more fit.
    assert runner([window], start + 105).used == [3.0]
    assert runner([window], start + 105).used == [4.0]
    assert runner([window], start + 105).refused is window


def test_a_test_only_window_counts_nothing_and_refuses_at_its_limit(runner):
    counted = Window("test:refused", 2)
    tested = Window("test:refused", 2, counts=False)
    now = 700 * 60.0 + 1
    assert runner([tested], now).refused is None
    runner([counted], now)
    runner([counted], now)
    assert runner([tested], now).refused is tested


def test_windows_run_in_order_and_stop_at_the_first_refusal(runner):
    first, second = Window("test:first", 1), Window("test:second", 5)
    now = 800 * 60.0 + 1
    runner([first, second], now)
    assert runner([first, second], now).refused is first
    assert runner([second], now).used == [2.0]  # the refused call never counted in `second`


def test_the_lock_is_taken_only_when_every_window_passed(app_ctx):
    window = Window("test:locked", 1)
    now = 900 * 60.0 + 1
    first = ratelimit.run([window], Lock("test:lock:a", "t1", 60), now=now)
    assert first.refused is None and first.locked is True
    refused = ratelimit.run([window], Lock("test:lock:b", "t2", 60), now=now)
    assert refused.refused is window and refused.locked is None
    again = ratelimit.run([], Lock("test:lock:a", "t3", 60), now=now)
    assert again.locked is False
    assert ratelimit.run([], Lock("test:lock:b", "t4", 60), now=now).locked is True


def test_values_read_in_the_same_trip_are_created_once_and_then_kept(app_ctx):
    created = ratelimit.run([], read=("test:epoch",)).values
    assert created and created == ratelimit.run([], read=("test:epoch",)).values
