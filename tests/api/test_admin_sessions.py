"""Admin sessions end for real: at sign-out and password change, for copied cookies too.

The review's reproduction: a session cookie captured before sign-out kept working for the
31 days of Flask's default lifetime.
"""

from __future__ import annotations

from datetime import timedelta

from app import create_app
from app.services.tenancy import users
from tests.api.test_internal import PASSWORD, _page_token, _sign_in, _user


def _signed_in(client) -> bool:
    """Whether the admin's front door lets this client in (else: off to the sign-in page)."""
    response = client.get("/admin/", headers={"Accept": "text/html"})
    return response.status_code in (200, 303) and "/admin/login" not in response.headers.get(
        "Location", "")


def _copy(app, browser):
    """Another client holding a copy of the browser's session cookie (the attacker)."""
    thief = app.test_client()
    thief.set_cookie("session", browser.client.get_cookie("session").value)
    return thief


def _sign_out(browser):
    token = _page_token(browser.client)
    return browser.client.post("/admin/logout", data={"csrf_token": token})


def test_a_cookie_copied_before_sign_out_stops_working(app, tenant):
    browser = _sign_in(app, "agent@acme.example",
                       _user(app, tenant.partner_id, email="agent@acme.example"))
    thief = _copy(app, browser)
    assert _signed_in(thief)
    assert _sign_out(browser).status_code == 302
    assert not _signed_in(thief)  # back to the sign-in page
    assert thief.post("/api/internal/conversations/cnv_01HNQX2P8Y9R3T4V5W6Z7A8B9C/close",
                      headers={"X-CSRFToken": browser.csrf_token}).status_code == 401
    # Signing in again works, with a new cookie.
    again = _sign_in(app, "agent@acme.example", browser.user_id)
    assert _signed_in(again.client)


def test_a_password_change_ends_every_session(app, tenant):
    browser = _sign_in(app, "agent@acme.example",
                       _user(app, tenant.partner_id, email="agent@acme.example"))
    other_device = _sign_in(app, "agent@acme.example", browser.user_id)
    with app.app_context():
        users.set_password("agent@acme.example", "a brand new password")
    assert not _signed_in(browser.client)
    assert not _signed_in(other_device.client)
    fresh = app.test_client()
    refused = fresh.post("/admin/login", data={"email": "agent@acme.example",
                                               "password": PASSWORD,
                                               "csrf_token": _page_token(fresh)})
    assert refused.status_code == 401


def test_the_cli_changes_a_password(app, cli, tenant):
    browser = _sign_in(app, "agent@acme.example",
                       _user(app, tenant.partner_id, email="agent@acme.example"))
    result = cli.invoke(args=["user", "set-password", "agent@acme.example"],
                        input="another good password\nanother good password\n")
    assert result.exit_code == 0, result.output
    assert not _signed_in(browser.client)


def test_sessions_are_short_and_cookies_secure_in_production(app, monkeypatch):
    assert app.permanent_session_lifetime == timedelta(hours=12)
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("KEY_PEPPER", "p" * 40)
    monkeypatch.setenv("GATEWAY_CREDENTIALS_KEY", "uZ3o0bX9yQ1kV7cN2rT8wE4aL6mP5sD0fG3hJ9iK2q")
    production = create_app({"ENV_NAME": "production"})
    assert production.config["SESSION_COOKIE_SECURE"] is True
    assert production.permanent_session_lifetime == timedelta(hours=12)
    page = production.test_client().get("/admin/login")
    assert "Secure" in page.headers["Set-Cookie"] and "HttpOnly" in page.headers["Set-Cookie"]
