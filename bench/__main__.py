"""Benchmarks: time endpoints in-process and print each as a ratio of the `/ping` baseline.

Run with `make bench`. Absolute times depend on the machine; the ratios, measured in the
same run against the same baseline, are what to compare between commits. Everything runs on
the embedded defaults (SQLite, embedded Redis) in a throw-away instance folder.
"""

from __future__ import annotations

import itertools
import os
import statistics
import tempfile
import time
from collections.abc import Callable

from flask_migrate import upgrade

ROUNDS = 5
PER_ROUND = 100


def _time(call: Callable[[], object], rounds: int = ROUNDS, per_round: int = PER_ROUND) -> float:
    """Median seconds per call over `rounds` rounds."""
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_round):
            call()
        samples.append((time.perf_counter() - start) / per_round)
    return statistics.median(samples)


def main() -> None:
    os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="switchboard-bench-"))
    from app import create_app, money
    from app.services.tenancy import partners

    # Generous limits: the benchmark measures the pipeline, not the 429 path.
    app = create_app({"ENV_NAME": "testing", "RATE_LIMIT_SANDBOX": 10_000_000})
    with app.app_context():
        upgrade(directory=os.path.join(app.root_path, "migrations"))
        provisioned = partners.create_partner("Bench", sandbox_balance_micros=money.to_micros(
            "1000000"))
    client = app.test_client()
    auth = {"Authorization": f"Bearer {provisioned.test_key}"}
    keys = itertools.count()

    def send(idempotent: bool) -> Callable[[], object]:
        def call():
            headers = dict(auth)
            if idempotent:
                headers["Idempotency-Key"] = f"bench-{next(keys)}"
            return client.post("/api/v1/messages", headers=headers, json={
                "channel": "sms", "to": "+15005550006", "text": "benchmark"})
        return call

    cases = {
        "GET /ping": lambda: client.get("/ping"),
        "GET /healthz": lambda: client.get("/healthz"),
        "GET /api/v1/balance": lambda: client.get("/api/v1/balance", headers=auth),
        "GET /api/v1/messages": lambda: client.get("/api/v1/messages?limit=20", headers=auth),
        "POST /api/v1/messages": send(idempotent=False),
        "POST /api/v1/messages (key)": send(idempotent=True),
    }
    _time(cases["GET /ping"], rounds=1)  # warm-up: imports, first connections
    baseline = _time(cases["GET /ping"])
    print(f"{'case':<30} {'median µs':>10} {'× /ping':>8}")
    for name, call in cases.items():
        took = _time(call)
        print(f"{name:<30} {took * 1e6:>10.1f} {took / baseline:>8.2f}")


if __name__ == "__main__":
    main()
