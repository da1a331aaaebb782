"""Admin sign-in and sign-out, and the live/sandbox switch of the session."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired

from app.api import ratelimit
from app.errors import ApiError
from app.models import ENVIRONMENTS
from app.services.tenancy import signin_backoff, users

bp = Blueprint("admin_auth", __name__, url_prefix="/admin")
CONSOLE_PAGES = ("/admin/keys", "/admin/webhooks", "/admin/wallet", "/admin/usage",
                 "/admin/templates", "/admin/contacts", "/admin/canned", "/admin/team",
                 "/admin/audit")


class LoginForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired()])
    password = PasswordField("Password", validators=[DataRequired()])


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the sign-in form; sign in on a valid POST.

    Each attempt costs a memory-hard password hash, so attempts are limited per client IP
    (before the form is even read) and per account (an increasing wait after failures).
    """
    if request.method == "POST":
        try:
            ratelimit.check_client("admin:login", request.remote_addr)
        except ApiError as limited:
            return _refused(LoginForm(), limited.headers.get("Retry-After", "60"))
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            user = users.authenticate(form.email.data, form.password.data)
        except signin_backoff.Throttled as throttled:
            return _refused(form, str(throttled.retry_after))
        if user is not None:
            session.clear()  # a new session at sign-in: nothing set before it survives
            login_user(user)
            target = request.args.get("next", "")
            # Only same-site relative redirects: never an open redirect.
            if not target.startswith("/") or target.startswith("//") or urlsplit(target).netloc:
                target = url_for("admin_inbox.index" if user.partner_id else
                                 "admin_operator.index")
            return redirect(target)
        error = "Email or password is incorrect."
    status = 401 if error else 200
    return render_template("admin/auth/login.html", form=form, error=error), status


def _refused(form: LoginForm, retry_after: str):
    error = f"Too many sign-in attempts. Try again in {retry_after} seconds."
    page = render_template("admin/auth/login.html", form=form, error=error)
    return page, 429, {"Retry-After": retry_after}


@bp.post("/logout")
@login_required
def logout():
    """Sign out (POST with CSRF, so a link on another site cannot sign anyone out).

    Ends every session of the user, not only this browser's: a copied cookie dies too.
    """
    users.end_sessions(current_user.id)
    logout_user()
    session.clear()
    return redirect(url_for("admin_auth.login"))


@bp.post("/environment")
@login_required
def switch_environment():
    """Work in live or sandbox from now on (POST with CSRF); back to the page (`next`, a
    console page) or to the inbox."""
    chosen = request.form.get("environment")
    if chosen in ENVIRONMENTS:
        session["environment"] = chosen
    target = request.form.get("next", "")
    # Back to a list page only (an object of one environment is not in the other).
    if target not in CONSOLE_PAGES:
        target = url_for("admin_inbox.index")
    return redirect(target, code=303)
