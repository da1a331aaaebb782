"""Progress of long console work: a page (and a fragment that polls itself) per job, and the
download of a finished export. Only the partner and environment that started a job see it.

The fragment answers 204 while nothing changed (its `v` is the job's version) and, once the
job is finished, renders without its polling trigger, so polling ends by itself.
"""

from __future__ import annotations

import os

from flask import Blueprint, Response, abort, request, send_file
from flask_login import login_required

from app.admin.scope import console_scope, fragment_or_page
from app.services import progress
from app.services.billing import ledger

bp = Blueprint("admin_progress", __name__, url_prefix="/admin")


@bp.get("/jobs/<job_id>")
@login_required
def job(job_id: str):
    """The job's progress: a page, or (htmx) the fragment; 204 when unchanged."""
    scope = console_scope()
    found = progress.status(job_id, scope.partner_id, scope.environment)
    if request.headers.get("HX-Request") == "true" and request.args.get("v") == found.version:
        return Response(status=204)
    return fragment_or_page("admin/jobs/page.html", "admin/jobs/_progress.html", scope=scope,
                            job=found)


@bp.get("/jobs/<job_id>/download")
@login_required
def download(job_id: str):
    """A finished export's CSV file."""
    scope = console_scope()
    found = progress.status(job_id, scope.partner_id, scope.environment)
    path = ledger.export_path(found.id)
    if found.state != "finished" or not os.path.exists(path):
        abort(404)
    return send_file(path, mimetype="text/csv", as_attachment=True,
                     download_name=f"ledger-{scope.environment}.csv")


