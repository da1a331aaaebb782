"""Liveness and readiness: `/ping` (no I/O, the benchmark baseline) and `/healthz`."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from sqlalchemy import text

from app.extensions import db, redis_connection

bp = Blueprint("health", __name__)


@bp.get("/ping")
def ping():
    """Answer without touching any dependency."""
    return "pong\n", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.get("/healthz")
def healthz():
    """Report whether the database and Redis answer; 503 naming the one that does not.

    The database check waits no longer than the engine's connect and pool timeouts.
    """
    checks = {}
    try:
        db.session.execute(text("SELECT 1"))
        checks["database"] = "ok"
    except Exception:  # noqa: BLE001 - any failure means unhealthy, and is reported as such
        db.session.rollback()
        checks["database"] = "unavailable"
    try:
        redis_connection.client.ping()
        checks["redis"] = "ok"
    except Exception:  # noqa: BLE001
        checks["redis"] = "unavailable"
    healthy = all(v == "ok" for v in checks.values())
    body = {"status": "ok" if healthy else "unavailable", "checks": checks}
    if healthy:
        return jsonify(body), 200
    retry_after = str(int(current_app.config["UNAVAILABLE_RETRY_AFTER_SECONDS"]))
    return jsonify(body), 503, {"Retry-After": retry_after}
