"""Benchmarks: time endpoints in-process and print each as a ratio of the `/ping` baseline.

Run with `make bench`. Absolute times depend on the machine; the ratios, measured in the
same run against the same baseline, are what to compare between commits.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from flask_migrate import upgrade


def _time(client, path: str, rounds: int = 5, per_round: int = 200) -> float:
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        for _ in range(per_round):
            client.get(path)
        samples.append((time.perf_counter() - start) / per_round)
    return statistics.median(samples)


def main() -> None:
    os.environ.setdefault("INSTANCE_PATH", tempfile.mkdtemp(prefix="switchboard-bench-"))
    from app import create_app

    app = create_app({"ENV_NAME": "testing"})
    with app.app_context():
        upgrade(directory=os.path.join(app.root_path, "migrations"))
    client = app.test_client()
    _time(client, "/ping", rounds=1)  # warm-up: imports, first connections
    baseline = _time(client, "/ping")
    print(f"{'endpoint':<12} {'median µs':>10} {'× /ping':>8}")
    for path in ("/ping", "/healthz"):
        took = _time(client, path)
        print(f"{path:<12} {took * 1e6:>10.1f} {took / baseline:>8.2f}")


if __name__ == "__main__":
    main()
