"""The console's team page (invite, change role, deactivate), and the public page where an
invited person chooses their password."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required

from app.admin.scope import console_scope, fragment_or_page
from app.errors import ApiError
from app.services.tenancy import team

bp = Blueprint("admin_team", __name__, url_prefix="/admin")


@bp.get("/team")
@login_required
def index():
    """Everyone on the team, with their role and whether they can sign in."""
    scope = console_scope()
    return fragment_or_page("admin/team/index.html", None, scope=scope,
                            members=team.members(scope.partner_id), roles=team.TEAM_ROLES)


@bp.route("/invitations/<token>", methods=["GET", "POST"])
def accept(token: str):
    """An invitation link: choose a password, then sign in."""
    invitation = team.find_invitation(token)
    if invitation is None:
        return render_template("admin/team/invitation.html", expired=True), 404
    error = None
    if request.method == "POST":
        password = request.form.get("password", "")
        if password != request.form.get("confirm", ""):
            error = "The two passwords differ."
        else:
            try:
                team.accept(token, password)
            except ApiError as refused:
                error = refused.detail
            else:
                flash("Your password is set: sign in.", "ok")
                return redirect(url_for("admin_auth.login"), code=303)
    return render_template("admin/team/invitation.html", expired=False, error=error,
                           minimum=team.MIN_PASSWORD), 422 if error else 200
