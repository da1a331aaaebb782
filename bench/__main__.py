"""Benchmarks: every figure a ratio to a baseline measured in the same run.

`make bench` (or `python -m bench`, `QUICK=1` for a run of under two minutes) prints a table
and writes `bench/results/latest.json`:
`{"backend": ..., "figures": [{"name", "value", "target", "met"}, ...]}`.

It runs on PostgreSQL + Redis when DATABASE_URL / REDIS_URL are set (or PostgreSQL and Redis
answer on 127.0.0.1), else on the embedded defaults, in a throw-away instance folder and a
private PostgreSQL schema. Absolute numbers depend on the machine; the ratios are what to
compare between commits. Tests check that each benchmark runs in quick mode, never a time.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results" / "latest.json"
# name -> (comparison, target)
TARGETS = {
    "send_efficiency": (">=", 0.20),
    "send_tail": ("<=", 8),
    "pipeline_guards": (">=", 0.85),
    "worker_dispatch": (">=", 0.50),
    "bulk_send": (">=", 10),
    "webhook_fanout": (">=", 0.50),
    "inbox_flatness": ("<=", 1.5),
    "correctness_5xx": ("==", 0),
    "correctness_debits_per_202": ("==", 1.0),
    "correctness_messages_per_key": ("==", 1),
    "correctness_batch_debits_per_message": ("==", 1.0),
    "correctness_batch_5xx": ("==", 0),
    "web_worker_rss_mb": ("<=", 150),
    "send_worker_rss_mb": ("<=", 150),
}


def _answers(port: int) -> bool:
    with socket.socket() as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


def _drop_schema(env: dict) -> None:
    url = env.get("DATABASE_URL", "")
    if "search_path%3D" not in url:
        return
    from sqlalchemy import create_engine, text

    from app.database import sqlalchemy_url

    schema = url.rsplit("search_path%3D", 1)[1]
    engine = create_engine(sqlalchemy_url(url.split("?")[0]))
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    engine.dispose()


def backend_settings() -> tuple[str, dict]:
    """Which backend to run on, and the environment that selects it."""
    env: dict[str, str] = {}
    # Without its query: a schema set there (a test session's) gives way to the bench's own.
    database = (os.environ.get("DATABASE_URL") or (
        "postgresql://postgres@127.0.0.1:5432/test" if _answers(5432) else "")).split("?")[0]
    cache = os.environ.get("REDIS_URL") or ("redis://127.0.0.1:6379/6" if _answers(6379) else "")
    if database and cache:
        schema = f"switchboard_bench_{os.getpid()}"
        _fresh_schema(database, schema)
        env["DATABASE_URL"] = f"{database}?options=-csearch_path%3D{schema}"
        env["REDIS_URL"] = cache
        return "postgresql+redis", env
    return "sqlite+embedded-redis", env


def _fresh_schema(url: str, schema: str) -> None:
    from sqlalchemy import create_engine, text

    from app.database import sqlalchemy_url

    engine = create_engine(sqlalchemy_url(url))
    with engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()


def _met(name: str, value: float) -> bool:
    comparison, target = TARGETS[name]
    return {">=": value >= target, "<=": value <= target,
            "==": abs(value - target) < 1e-9}[comparison]


def main(quick: bool = False) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    backend, env = backend_settings()
    from bench import fanout, http, inbox, worker

    env = {**worker.settings(), **env}
    os.environ.update(env)
    from flask_migrate import upgrade

    from app import create_app, money
    from app.extensions import redis_connection
    from app.services.tenancy import partners

    app = create_app()
    with app.app_context():
        upgrade(directory=os.path.join(app.root_path, "migrations"))
        redis_connection.client.flushdb()
        # The embedded Redis is this process's: the servers it starts share it by URL.
        env["REDIS_URL"] = redis_connection.url(app)
        provisioned = partners.create_partner(
            "Bench HTTP", sandbox_balance_micros=money.to_micros("10000000"))
    os.environ.update(env)
    try:
        # The worker first: the send job takes every queued message, so the thousands the
        # HTTP loads leave queued would be timed as the worker's own.
        values = worker.run(app, env, messages=200 if quick else 600)
        values.update(http.run(app, env, provisioned.partner.id, provisioned.test_key,
                               seconds=2 if quick else 10))
        values.update(fanout.run(app, env, events=50 if quick else 250,
                                 noop_jobs=500 if quick else 2000))
        # Quick mode: 40,000 messages in 4,000 conversations (`inbox_messages` says so).
        values.update(inbox.run(app, conversations=4_000 if quick else 100_000,
                                repeat=7 if quick else 25))
    finally:
        with app.app_context():
            from app.extensions import db

            db.session.remove()
            db.engine.dispose()
        _drop_schema(env)
    figures = [{"name": name, "value": round(float(values[name]), 4),
                "target": f"{TARGETS[name][0]} {TARGETS[name][1]}",
                "met": _met(name, float(values[name]))} for name in TARGETS]
    report = {"backend": backend, "quick": quick, "figures": figures,
              "measurements": {k: round(float(v), 2) for k, v in values.items()
                               if k not in TARGETS}}
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(report, indent=2) + "\n")
    print(f"backend: {backend}{' (quick)' if quick else ''}")
    print(f"{'figure':<32} {'value':>10} {'target':>10}  met")
    for figure in figures:
        print(f"{figure['name']:<32} {figure['value']:>10} {figure['target']:>10}  "
              f"{'yes' if figure['met'] else 'NO'}")
    for name, value in report["measurements"].items():
        print(f"  {name}: {value}")
    return report


if __name__ == "__main__":
    main(quick=os.environ.get("QUICK", "") not in ("", "0") or "--quick" in sys.argv)
