"""A soak: mixed traffic at a fixed rate for a bounded time, with workers and webhooks.

Sends, reads, agents' inbox polls (with ETags) and signed inbound callbacks run at a fixed
rate against gunicorn (two workers) and two `flask worker`s, with webhooks to a local
receiver. Every few seconds the resident memory of each web and worker process (from /proc)
and the depth of the queues are sampled. After the warm-up no process grows by more than
10%, the queues stay bounded, no call fails, and once drained nothing is lost.

One minute in `make test`; `--chaos-long` (or CHAOS_LONG=1) soaks for ten.
"""

from __future__ import annotations

import statistics
import threading
import time

import pytest

from tests.reliability._checks import drained, provision, queue_depth
from tests.reliability._platform import rss_mb
from tests.reliability._traffic import Receiver, Traffic, dumps, summary

# (seconds, warm-up seconds, client threads, calls per second in all)
SIZES = {"ci": (60, 20, 4, 6.0), "long": (600, 60, 4, 6.0)}
SAMPLE_SECONDS = 2
GROWTH_LIMIT = 0.10
QUEUE_LIMIT = 200
DRAIN_SECONDS = 120


def _processes(stack) -> dict[str, int]:
    web = {f"web-{n}": p.pid for n, p in enumerate(sorted(stack.web.workers(),
                                                           key=lambda p: p.pid))}
    return {**web, **{f"worker-{n}": pid for n, pid in enumerate(stack.workers.pids())}}


@pytest.mark.slow
def test_a_soak_keeps_memory_flat_queues_bounded_and_answers_every_call(stack, seed,
                                                                        long_run):
    seconds, warm_up, clients, rate = SIZES["long" if long_run else "ci"]
    receiver = Receiver(seed, failure_rate=0.0)
    try:
        setup = provision(stack.app, stack.web.base, receiver)
        traffic = Traffic(stack.web.base, setup, seed, "soak", patience=10)
        processes = _processes(stack)
        started = time.monotonic()
        flow = threading.Thread(target=traffic.run,
                                args=(clients, started + seconds, clients / rate))
        flow.start()
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in processes}
        depths: list[int] = []
        while flow.is_alive():
            elapsed = time.monotonic() - started
            for name, pid in processes.items():
                samples[name].append((elapsed, rss_mb(pid)))
            depths.append(queue_depth(stack.app))
            flow.join(SAMPLE_SECONDS)
        assert _processes(stack) == processes, "a process was replaced during the soak"
        problems = drained(stack, setup, traffic.tally, receiver, DRAIN_SECONDS)
        growth = {}
        for name, points in samples.items():
            steady = [mb for at, mb in points if at >= warm_up]
            first, last = statistics.mean(steady[:3]), statistics.mean(steady[-3:])
            growth[name] = (round(first, 1), round(last, 1), round(last / first - 1, 3))
        calls = sum(traffic.tally.statuses.values())
        print(f"\nsoak seed={seed} backend={stack.backend} {seconds}s at {rate}/s "
              f"({calls / seconds:.1f}/s answered) {summary(traffic.tally)}\n"
              f"rss MB after warm-up (first, last, growth): {growth}\n"
              f"queue depth max={max(depths)} mean={statistics.mean(depths):.1f} "
              f"webhooks={len(receiver.received)} lost={len(problems)}")
        assert not problems, f"lost: {dumps(problems)}"
        errors = {code: n for code, n in traffic.tally.statuses.items()
                  if code not in (200, 202, 304)}
        assert not errors and not traffic.tally.transport_errors, (
            f"errors {errors}, transport errors {traffic.tally.transport_errors}")
        assert not (traffic.tally.bad_answers or traffic.tally.unexpected
                    or traffic.tally.gave_up), dumps(traffic.tally.unexpected)
        grew = {name: g for name, g in growth.items() if g[2] > GROWTH_LIMIT}
        assert not grew, f"resident memory grew past {GROWTH_LIMIT:.0%}: {grew}"
        assert max(depths) <= QUEUE_LIMIT, f"queue depth reached {max(depths)}"
    finally:
        receiver.stop()

