"""The console's usage page: messages per day stacked by channel, delivery rate by channel
and spend per day, as server-rendered SVG with the same numbers in tables; a date range."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from flask import Blueprint, request
from flask_login import login_required

from app.admin import charts
from app.admin.scope import console_scope, date_arg, fragment_or_page
from app.channels import names as channel_names
from app.errors import ApiError
from app.models.base import utcnow
from app.services.billing import usage as usage_service

bp = Blueprint("admin_usage", __name__, url_prefix="/admin")
DEFAULT_DAYS = 14


@bp.get("/usage")
@login_required
def index():
    """Usage of the current environment over [from, to] (whole UTC days; default 14 days)."""
    scope = console_scope()
    errors: list[str] = []
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    start = date_arg("from", errors) or today - timedelta(days=DEFAULT_DAYS - 1)
    last = date_arg("to", errors) or today
    end = last + timedelta(days=1)
    if start >= end or end - start > timedelta(days=366):
        errors.append("Choose a range of 1 to 366 days, `from` before `to`.")
        start, end = today - timedelta(days=DEFAULT_DAYS - 1), today + timedelta(days=1)
    try:
        data = usage_service.usage(scope.partner_id, scope.environment, start=start, end=end,
                                   granularity="day", group_by="channel")
    except ApiError as refused:
        errors.append(refused.detail)
        data = {"data": [], "currency": "USD"}
    days = charts.days(start, end)
    labels = [day.strftime("%Y-%m-%d") for day in days]
    per_day = {label: {} for label in labels}
    spend = {label: Decimal(0) for label in labels}
    for row in data["data"]:
        label = row["period_start"][:10]
        if label in per_day:
            per_day[label][row["group"]] = per_day[label].get(row["group"], 0) + row["messages"]
            spend[label] += Decimal(row["cost"])
    used = [name for name in channel_names() if any(name in v for v in per_day.values())]
    rates = usage_service.delivery_rates(scope.partner_id, scope.environment, start=start,
                                         end=end)
    return fragment_or_page(
        "admin/usage/index.html", None, scope=scope, errors=errors, labels=labels,
        start=labels[0], last=labels[-1], channels=used, per_day=per_day, spend=spend,
        currency=data["currency"], rates=rates,
        messages_chart=charts.stacked(labels, [per_day[label] for label in labels], used),
        spend_chart=charts.stacked(labels, [{"spend": float(spend[label])}
                                            for label in labels], ["spend"]),
        query=request.args)
