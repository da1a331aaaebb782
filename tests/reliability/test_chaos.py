"""Faults at random while traffic flows, and afterwards nothing lost.

Traffic (sends with retries and replays of their Idempotency-Keys, signed inbound provider
callbacks, reads) runs against gunicorn with two `flask worker`s, while a schedule drawn from
the seed SIGKILLs a web worker, a worker, Redis (started again, empty) and, on PostgreSQL,
crashes the database server and starts it again. Once everything is healthy and drained:
every 202 has exactly one message, one debit and at most one refund; every message is
final; every event reached every matching endpoint, under its own webhook-id; wallets equal
their ledgers; and no call was ever answered a 500 (an outage is a 503 or a 429 problem).

Replay a failing run with the seed it printed: `pytest tests/reliability/test_chaos.py
--chaos-seed N` (or CHAOS_SEED=N). The fault schedule and each client's calls are drawn
from the seed; how they interleave depends on timing, so a replay is close, not identical.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

import pytest

from tests.reliability._checks import drained, provision, queue_depths
from tests.reliability._traffic import Receiver, Traffic, dumps, summary

# (seconds of traffic, client threads, faults beyond one of each kind, seconds between one
# client's calls, seconds to drain). Paced so that two workers keep up on a small machine:
# the run looks for losses, not for the capacity of the workers (that is bench/'s job).
SIZES = {"ci": (30, 4, 2, 0.4, 120), "long": (300, 4, 24, 0.4, 300)}


def fault_schedule(seed: int, seconds: float, kinds: list[str], extra: int
                   ) -> list[tuple[float, str, float]]:
    """(when, what, how long it stays down): one fault of each kind and `extra` more, one
    per slot of the run, at a random moment of the first half of its slot."""
    rng = random.Random(f"{seed}-faults")
    faults = [*kinds, *(rng.choice(kinds) for _ in range(extra))]
    rng.shuffle(faults)
    slot = (seconds - 6) / len(faults)
    return [(3 + n * slot + rng.uniform(0, slot / 2), kind, rng.uniform(1, 3))
            for n, kind in enumerate(faults)]


class Chaos:
    """Plays the fault schedule against the stack, and starts dead workers again."""

    def __init__(self, stack, seed: int):
        self.stack = stack
        self.rng = random.Random(f"{seed}-victims")
        self.done: list[str] = []

    def play(self, schedule: list[tuple[float, str, float]], started: float) -> None:
        for moment, kind, down in schedule:
            while time.monotonic() < started + moment:
                self.stack.workers.supervise()
                time.sleep(0.2)
            self.done.append(f"{time.monotonic() - started:5.1f}s {kind}: "
                             + getattr(self, kind)(down))

    def web(self, _down: float) -> str:
        return f"SIGKILL web worker {self.stack.web.kill_worker(self.rng.choice)}"

    def worker(self, _down: float) -> str:
        index = self.rng.randrange(len(self.stack.workers.processes))
        return f"SIGKILL flask worker {self.stack.workers.kill(index)}"

    def redis(self, down: float) -> str:
        self.stack.redis.kill()
        time.sleep(down)
        self.stack.redis.start()
        return f"SIGKILL redis-server, {down:.1f}s down, started empty"

    def postgres(self, down: float) -> str:
        self.stack.postgres.stop()
        time.sleep(down)
        self.stack.postgres.start()
        return f"PostgreSQL crashed (pg_ctl -m immediate), {down:.1f}s down, started"


@pytest.mark.slow
def test_random_faults_under_traffic_lose_nothing(stack, seed, long_run):
    seconds, clients, extra, pace, drain_seconds = SIZES["long" if long_run else "ci"]
    kinds = ["web", "worker", "redis"] + (["postgres"] if stack.postgres else [])
    print(f"\nchaos seed {seed} on {stack.backend} ({'long' if long_run else 'ci'} run); "
          f"replay: pytest tests/reliability/test_chaos.py --chaos-seed {seed}"
          + ("" if stack.postgres else "\nSQLite run: the PostgreSQL restart is skipped"))
    receiver = Receiver(seed)
    try:
        setup = provision(stack.app, stack.web.base, receiver)
        traffic = Traffic(stack.web.base, setup, seed, "chaos")
        schedule = fault_schedule(seed, seconds, kinds, extra)
        started = time.monotonic()
        flow = threading.Thread(target=traffic.run, args=(clients, started + seconds, pace))
        flow.start()
        chaos = Chaos(stack, seed)
        chaos.play(schedule, started)
        while flow.is_alive():
            stack.workers.supervise()
            flow.join(0.5)
        problems = drained(stack, setup, traffic.tally, receiver, drain_seconds)
        faults = Counter(kind for _, kind, _ in schedule)
        print("faults:\n  " + "\n  ".join(chaos.done))
        print(f"seed={seed} backend={stack.backend} {summary(traffic.tally)} "
              f"faults={dict(faults)} worker_restarts={stack.workers.restarts} "
              f"webhooks={len(receiver.received)} (refused {receiver.refused}) "
              f"queues={queue_depths(stack.app)} "
              f"lost={sum(len(v) if isinstance(v, list) else v for v in problems.values())}")
        replay = f"(replay: --chaos-seed {seed})"
        assert not problems, f"lost {replay}: {dumps(problems)}"
        assert not traffic.tally.bad_answers, (
            f"500s or bare refusals {replay}: {dumps(traffic.tally.bad_answers)}")
        assert not traffic.tally.unexpected, f"{replay}: {dumps(traffic.tally.unexpected)}"
        assert not traffic.tally.gave_up, f"{replay}: {dumps(traffic.tally.gave_up)}"
        assert traffic.tally.accepted and traffic.tally.inbound_sids
    finally:
        receiver.stop()

