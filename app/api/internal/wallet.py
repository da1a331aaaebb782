"""The console's large ledger export: started as a job whose progress the page polls."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from app.admin import presenters
from app.api.internal.keys import require_admin
from app.api.internal.webhooks import JobOut
from app.api.principal import Principal
from app.api.schemas import Strict
from app.api.surfaces import internal as surface
from app.errors import ApiError
from app.models.wallet import TRANSACTION_TYPES
from app.services.billing import ledger
from app.services.billing.usage import parse_time


class ExportStart(Strict):
    type: Literal[TRANSACTION_TYPES] | None = None  # type: ignore[valid-type]
    since: str | None = Field(None, max_length=40)
    until: str | None = Field(None, max_length=40)


def _time(value: str | None, param: str) -> str | None:
    if not value:
        return None
    try:
        return parse_time(value).isoformat()
    except ValueError as exc:
        raise ApiError("invalid_field", f"`{param}`: {exc}.", param=param) from None


@surface.endpoint("/wallet/exports", "POST", summary="Export the ledger as CSV (a job)",
                  tags=("Wallet",), body=ExportStart, response=JobOut, status=202,
                  html=presenters.secret("admin/jobs/started.html"))
def start_export(principal: Principal, body: ExportStart):
    """Write the filtered ledger of this environment to a CSV file in the background."""
    require_admin(principal)
    job_id = ledger.start_export(principal.partner_id, principal.environment, {
        "kind": body.type, "since": _time(body.since, "since"),
        "until": _time(body.until, "until")})
    return {"object": "job", "id": job_id}
