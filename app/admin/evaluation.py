"""`/evaluation`: the public "Request an evaluation" form (plain HTML, no JavaScript needed).

The docs site's own copy of the form posts here too, from a static page, so the intake is
exempt from CSRF: it acts for nobody signed in (there is no session to ride). A honeypot
field (hidden from people, filled by bots) and a per-IP hourly limit keep spam out; either
answers like a success or a 429 page and stores nothing. Bad input comes back with its
errors next to the fields.
"""

from __future__ import annotations

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from app.api import ratelimit
from app.channels import all_channels
from app.errors import ApiError
from app.services.tenancy import evaluations

bp = Blueprint("evaluation", __name__)
HONEYPOT = "website"


def _form(values: dict, errors: dict, status: int = 200):
    return render_template("admin/evaluation/form.html", values=values, errors=errors,
                           channels=all_channels(), volumes=evaluations.VOLUMES,
                           honeypot=HONEYPOT), status


@bp.get("/evaluation")
def form():
    """The empty form."""
    return _form({"channels": []}, {})


@bp.post("/evaluation")
def submit():
    """Check and store a request; the confirmation page, or the form with its errors."""
    if request.form.get(HONEYPOT):
        return redirect(url_for("evaluation.thanks"), code=303)  # a bot: store nothing
    try:
        ratelimit.check_client_hourly("evaluation", request.remote_addr,
                                      int(current_app.config["EVALUATION_RATE_LIMIT"]))
    except ApiError as refused:
        return render_template("admin/evaluation/limited.html"), 429, refused.headers
    raw = request.form.to_dict()
    raw["channels"] = request.form.getlist("channels")
    clean, errors = evaluations.check(raw)
    if errors:
        return _form(clean, errors, 422)
    evaluations.submit(clean)
    return redirect(url_for("evaluation.thanks"), code=303)


@bp.get("/evaluation/thanks")
def thanks():
    """The confirmation page."""
    return render_template("admin/evaluation/thanks.html")
