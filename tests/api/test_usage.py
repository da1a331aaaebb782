"""`GET /api/v1/usage`: messages, segments and cost per UTC day or hour, by channel or status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.extensions import db
from app.models import Message
from app.services.billing import usage


def at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def put_messages(app, partner_id: str, environment: str, rows: list[dict]) -> None:
    """Insert messages straight through the model, with chosen times, statuses and costs."""
    with app.app_context():
        for row in rows:
            row = dict(row)
            created = row.pop("at")
            created = at(created) if isinstance(created, str) else created
            db.session.add(Message(
                partner_id=partner_id, environment=environment, to_address="+15551234567",
                channel=row.pop("channel", "sms"), status=row.pop("status", "delivered"),
                segments=row.pop("segments", 1), cost_estimate_micros=row.pop("estimate", 7_900),
                created_at=created, updated_at=created, **row))
        db.session.commit()


MARCH = [
    {"at": "2025-02-28T23:59:59Z"},  # before the range
    {"at": "2025-03-01T00:00:00Z", "segments": 2, "estimate": 15_800},
    {"at": "2025-03-01T10:30:00Z", "channel": "email", "estimate": 1_000, "cost_micros": 900},
    # Failed: refunded, costs nothing even when the provider reported a cost.
    {"at": "2025-03-01T23:59:59Z", "status": "failed", "cost_micros": 7_900},
    {"at": "2025-03-02T00:00:00Z", "status": "sent", "segments": 3, "estimate": 23_700},
    {"at": "2025-03-02T12:00:00Z", "channel": "email", "status": "bounced", "estimate": 1_000},
    {"at": "2025-03-03T00:00:00Z"},  # at `to`: excluded
]
RANGE = "from=2025-03-01T00:00:00Z&to=2025-03-03T00:00:00Z"


@pytest.fixture
def march(app, tenant, other_tenant):
    """Partner A's live March messages, plus noise in its sandbox and in partner B's data."""
    put_messages(app, tenant.partner_id, "live", MARCH)
    put_messages(app, tenant.partner_id, "sandbox",
                 [{"at": "2025-03-01T05:00:00Z", "estimate": 50_000}])
    put_messages(app, other_tenant.partner_id, "live",
                 [{"at": "2025-03-01T05:00:00Z", "channel": "whatsapp", "estimate": 12_000},
                  {"at": "2025-03-02T05:00:00Z", "channel": "whatsapp", "estimate": 12_000}])
    return tenant


def row(period, group, messages, segments, estimate, cost) -> dict:
    return {"period_start": period, "group": group, "messages": messages, "segments": segments,
            "cost_estimate": estimate, "cost": cost}


def test_daily_usage_by_channel_counts_exact_messages_segments_and_costs(march):
    response = march.live.get(f"/usage?{RANGE}")
    assert response.status_code == 200, response.json
    assert response.json == {
        "object": "usage", "from": "2025-03-01T00:00:00Z", "to": "2025-03-03T00:00:00Z",
        "granularity": "day", "group_by": "channel", "direction": None, "currency": "USD",
        "totals": {"messages": 5, "segments": 8, "cost_estimate": "0.0494", "cost": "0.0404"},
        "data": [
            row("2025-03-01T00:00:00Z", "sms", 2, 3, "0.0237", "0.0158"),
            row("2025-03-01T00:00:00Z", "email", 1, 1, "0.001", "0.0009"),
            row("2025-03-02T00:00:00Z", "sms", 1, 3, "0.0237", "0.0237"),
            row("2025-03-02T00:00:00Z", "email", 1, 1, "0.001", "0.000"),
        ],
    }


def test_daily_usage_by_status_groups_in_lifecycle_order(march):
    body = march.live.get(f"/usage?{RANGE}&group_by=status").json
    assert body["group_by"] == "status"
    assert body["data"] == [
        row("2025-03-01T00:00:00Z", "delivered", 2, 3, "0.0168", "0.0167"),
        row("2025-03-01T00:00:00Z", "failed", 1, 1, "0.0079", "0.000"),
        row("2025-03-02T00:00:00Z", "sent", 1, 3, "0.0237", "0.0237"),
        row("2025-03-02T00:00:00Z", "bounced", 1, 1, "0.001", "0.000"),
    ]
    assert body["totals"]["cost"] == "0.0404"


def test_hourly_usage_buckets_by_utc_hour(march):
    body = march.live.get(
        "/usage?from=2025-03-01T00:00:00Z&to=2025-03-02T00:00:00Z&granularity=hour").json
    assert body["granularity"] == "hour"
    assert [(r["period_start"], r["group"], r["messages"]) for r in body["data"]] == [
        ("2025-03-01T00:00:00Z", "sms", 1),
        ("2025-03-01T10:00:00Z", "email", 1),
        ("2025-03-01T23:00:00Z", "sms", 1),
    ]
    assert body["totals"]["messages"] == 3


def test_hour_boundaries_are_exact_to_the_microsecond(app, tenant):
    put_messages(app, tenant.partner_id, "live", [
        {"at": datetime(2025, 3, 1, 10, 0, 0, tzinfo=UTC)},
        {"at": datetime(2025, 3, 1, 10, 59, 59, 999_999, tzinfo=UTC)},
        {"at": datetime(2025, 3, 1, 11, 0, 0, tzinfo=UTC)},
    ])
    body = tenant.live.get("/usage?from=2025-03-01T10:00:00Z&to=2025-03-01T12:00:00Z"
                           "&granularity=hour").json
    assert [(r["period_start"], r["messages"]) for r in body["data"]] == [
        ("2025-03-01T10:00:00Z", 2), ("2025-03-01T11:00:00Z", 1)]


def test_a_range_not_aligned_to_days_counts_only_inside_it(march):
    body = march.live.get("/usage?from=2025-03-01T10:00:00Z&to=2025-03-02T06:00:00Z").json
    # The first period starts before `from`: it is the UTC day, partly covered.
    assert [(r["period_start"], r["group"], r["messages"]) for r in body["data"]] == [
        ("2025-03-01T00:00:00Z", "sms", 1), ("2025-03-01T00:00:00Z", "email", 1),
        ("2025-03-02T00:00:00Z", "sms", 1)]


def test_offsets_are_converted_to_utc_and_a_decoded_plus_is_accepted(march):
    encoded = march.live.get("/usage?from=2025-03-01T02:00:00%2B02:00&to=2025-03-03").json
    # An unencoded `+` reaches the server as a space.
    raw = march.live.get("/usage?from=2025-03-01T02:00:00+02:00&to=2025-03-03").json
    assert encoded["from"] == raw["from"] == "2025-03-01T00:00:00Z"
    assert encoded["to"] == "2025-03-03T00:00:00Z"
    assert encoded["totals"]["messages"] == raw["totals"]["messages"] == 5


def test_usage_is_isolated_by_partner_and_environment(march, other_tenant):
    sandbox = march.sandbox.get(f"/usage?{RANGE}").json
    assert sandbox["totals"] == {"messages": 1, "segments": 1, "cost_estimate": "0.050",
                                 "cost": "0.050"}
    other = other_tenant.live.get(f"/usage?{RANGE}").json
    assert [(r["period_start"], r["group"], r["messages"]) for r in other["data"]] == [
        ("2025-03-01T00:00:00Z", "whatsapp", 1), ("2025-03-02T00:00:00Z", "whatsapp", 1)]
    assert other_tenant.sandbox.get(f"/usage?{RANGE}").json["data"] == []


def test_direction_filter_separates_sent_from_received(app, tenant):
    put_messages(app, tenant.partner_id, "live", [
        {"at": "2025-03-01T08:00:00Z"},
        {"at": "2025-03-01T09:00:00Z", "direction": "inbound", "estimate": 0},
    ])
    both = tenant.live.get(f"/usage?{RANGE}").json
    inbound = tenant.live.get(f"/usage?{RANGE}&direction=inbound").json
    outbound = tenant.live.get(f"/usage?{RANGE}&direction=outbound").json
    assert both["totals"]["messages"] == 2 and both["direction"] is None
    assert (inbound["totals"]["messages"], inbound["direction"]) == (1, "inbound")
    assert outbound["totals"] == {"messages": 1, "segments": 1, "cost_estimate": "0.0079",
                                  "cost": "0.0079"}


def test_defaults_cover_the_last_30_days_or_24_hours_in_whole_periods(app, tenant):
    now = datetime.now(UTC)
    put_messages(app, tenant.partner_id, "live", [
        {"at": now - timedelta(minutes=5)},
        {"at": now - timedelta(days=31)},
    ])
    daily = tenant.live.get("/usage").json
    start, end = at(daily["from"]), at(daily["to"])
    assert end - start == timedelta(days=30) and end.time() == datetime.min.time()
    assert start <= now < end and daily["totals"]["messages"] == 1
    hourly = tenant.live.get("/usage?granularity=hour").json
    start, end = at(hourly["from"]), at(hourly["to"])
    assert end - start == timedelta(hours=24) and (end.minute, end.second) == (0, 0)
    assert hourly["totals"]["messages"] == 1


def test_from_alone_runs_to_the_end_of_the_current_period(api):
    start = (datetime.now(UTC) - timedelta(days=10)).date()
    body = api.get(f"/usage?from={start.isoformat()}").json
    assert body["from"] == f"{start.isoformat()}T00:00:00Z"
    end = at(body["to"])
    # The end of today (of tomorrow, if midnight passed between the two lines above).
    assert end.time() == datetime.min.time()
    assert end - at(body["from"]) in (timedelta(days=11), timedelta(days=12))


@pytest.mark.parametrize(("query", "param"), [
    ("granularity=week", "granularity"),
    ("group_by=contact", "group_by"),
    ("direction=sideways", "direction"),
    ("from=yesterday", "from"),
    ("from=2025-02-30T00:00:00Z", "from"),
    ("to=2025-03-01T00:00:00", "to"),  # no offset: ambiguous, refused
    ("from=1741000000", "from"),
    ("from=2025-03-02T00:00:00Z&to=2025-03-01T00:00:00Z", "to"),
    ("from=2025-03-01T00:00:00Z&to=2025-03-01T00:00:00Z", "to"),
    ("from=2024-01-01T00:00:00Z&to=2025-01-02T00:00:00Z", "from"),  # 367 days
    ("from=2025-01-01T00:00:00Z&to=2025-02-01T00:00:01Z&granularity=hour", "from"),
    ("to=0292-10-01T00:00:00Z", "to"),  # before 1970
    ("from=1969-12-31T23:59:59Z", "from"),
    ("limit=10", "limit"),
])
def test_bad_parameters_are_400_invalid_parameter(api, query, param):
    response = api.get(f"/usage?{query}")
    assert response.status_code == 400, response.json
    assert response.json["code"] == "invalid_parameter"
    assert response.json["param"] == param


def test_longest_ranges_are_accepted(api):
    assert api.get("/usage?from=2024-01-01T00:00:00Z&to=2025-01-01T00:00:00Z").status_code == 200
    assert api.get("/usage?from=2025-01-01T00:00:00Z&to=2025-02-01T00:00:00Z"
                   "&granularity=hour").status_code == 200


def test_usage_needs_an_api_key(client):
    assert client.get("/api/v1/usage").status_code == 401


# --- the service's own parsing ----------------------------------------------------------------


def test_parse_time_accepts_rfc3339_and_dates_to_whole_seconds():
    assert usage.parse_time("2025-03-01T10:00:00Z") == datetime(2025, 3, 1, 10, tzinfo=UTC)
    assert usage.parse_time("2025-03-01t10:00:00.987654321z") == datetime(2025, 3, 1, 10,
                                                                          tzinfo=UTC)
    assert usage.parse_time("2025-03-01T10:00:00-05:30") == datetime(2025, 3, 1, 15, 30,
                                                                     tzinfo=UTC)
    assert usage.parse_time("2025-03-01") == datetime(2025, 3, 1, tzinfo=UTC)
    assert usage.parse_time("1970-01-01T01:00:00+01:00") == usage.EPOCH
    for bad in ("2025-03-01T10:00Z", "2025-3-1", "20250301T100000Z", "2025-03-01T25:00:00Z",
                "1969-12-31T23:59:59Z"):
        with pytest.raises(ValueError):
            usage.parse_time(bad)


def test_resolve_range_defaults_align_to_period_ends():
    now = datetime(2025, 3, 10, 15, 42, 7, tzinfo=UTC)
    daily = usage.resolve_range(None, None, "day", now=now)
    assert (daily.start, daily.end) == (datetime(2025, 2, 9, tzinfo=UTC),
                                        datetime(2025, 3, 11, tzinfo=UTC))
    hourly = usage.resolve_range(None, None, "hour", now=now)
    assert (hourly.start, hourly.end) == (datetime(2025, 3, 9, 16, tzinfo=UTC),
                                          datetime(2025, 3, 10, 16, tzinfo=UTC))
    exact = datetime(2025, 3, 10, tzinfo=UTC)
    assert usage.resolve_range(None, None, "day", now=exact).end == exact
    given = usage.resolve_range(datetime(2025, 3, 1, 7, tzinfo=UTC), None, "hour", now=now)
    assert (given.start, given.end) == (datetime(2025, 3, 1, 7, tzinfo=UTC),
                                        datetime(2025, 3, 10, 16, tzinfo=UTC))
