"""Cross-cutting HTTP behaviour: health, problem+json errors, request ids."""

from __future__ import annotations

import re

from app import create_app

REQ_ID = re.compile(r"^req_[0-7][0-9A-HJKMNP-TV-Z]{25}$")


def test_ping_is_cheap_and_plain(client):
    response = client.get("/ping")
    assert response.status_code == 200 and response.data == b"pong\n"
    assert REQ_ID.match(response.headers["Request-Id"])


def test_healthz_reports_database_and_redis(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}


def test_healthz_is_503_when_redis_is_unreachable(app, client):
    old = app.config["REDIS_URL"]
    app.config["REDIS_URL"] = "redis://127.0.0.1:1/0"
    try:
        response = client.get("/healthz")
    finally:
        app.config["REDIS_URL"] = old
    assert response.status_code == 503
    assert response.json["checks"] == {"database": "ok", "redis": "unavailable"}


def test_unknown_api_path_is_problem_json_not_a_framework_page(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    body = response.json
    assert body["code"] == "not_found" and body["status"] == 404
    assert body["type"].endswith("/errors/not-found")
    assert body["request_id"] == response.headers["Request-Id"]


def test_wrong_method_is_405_problem_with_allow(client):
    response = client.post("/healthz")
    assert response.status_code == 405
    assert response.json["code"] == "method_not_allowed"
    assert "GET" in response.headers["Allow"]


def test_html_clients_get_a_plain_page_without_a_traceback(client):
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404 and response.mimetype == "text/html"
    text = response.get_data(as_text=True)
    assert "Not found" in text and "Traceback" not in text and "Werkzeug" not in text


def test_unexpected_exception_becomes_500_problem_without_internals(app):
    fresh = create_app({"ENV_NAME": "testing"})

    @fresh.get("/api/boom-for-test")
    def _boom():
        raise RuntimeError("secret internals")

    response = fresh.test_client().get("/api/boom-for-test")
    assert response.status_code == 500
    assert response.json["code"] == "internal_error"
    assert "secret internals" not in response.get_data(as_text=True)


def test_http_errors_raised_by_the_framework_become_registered_problems(app):
    from werkzeug.exceptions import ServiceUnavailable

    fresh = create_app({"ENV_NAME": "testing"})

    @fresh.get("/api/maintenance-for-test")
    def _down():
        raise ServiceUnavailable()

    response = fresh.test_client().get("/api/maintenance-for-test")
    assert response.status_code == 503 and response.json["code"] == "service_unavailable"
    assert response.mimetype == "application/problem+json"
