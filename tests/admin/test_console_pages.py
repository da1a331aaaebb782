"""The console's wallet, usage, audit log, team, templates, contacts and canned replies
through the test client."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import CannedReply, Contact, Message, User
from app.models.base import utcnow
from app.services import tx
from app.services.billing import wallet
from tests.admin._console import body_of, outbox, submit
from tests.admin._inbox import PASSWORD, make_team, receive, sign_in
from tests.helpers import set_config


@pytest.fixture
def team(app):
    return make_team(app)


def _top_ups(app, partner_id: str, count: int, environment: str = "live") -> list[str]:
    with app.app_context():
        ids = [wallet.top_up(partner_id, environment, 1_000_000 + n, f"top-up {n}").id
               for n in range(count)]
        tx.commit()
        db.session.remove()
    return ids


def test_the_ledger_filters_pages_by_keyset_and_exports_csv(app, team):
    ids = _top_ups(app, team.partner_id, 60)
    admin = sign_in(app, "admin@acme.example")
    page = admin.get("/admin/wallet").get_data(as_text=True)
    assert 'id="balance-live"' in page and 'id="balance-sandbox"' in page
    first = set(re.findall(r'id="txn-(txn_\w+)"', page))
    assert len(first) == 50 and ids[-1] in first  # newest first
    more = page.split('class="more-row"')[1].split('href="')[1].split('"')[0]
    second = set(re.findall(r'id="txn-(txn_\w+)"',
                            admin.get(more.replace("&amp;", "&"), hx=True).get_data(as_text=True)))
    assert len(second) == 11 and not first & second  # 60 top-ups + the opening balance
    filtered = admin.get("/admin/wallet?type=debit", hx=True).get_data(as_text=True)
    assert "txn-" not in filtered and "No ledger entries match" in filtered
    tomorrow = (utcnow() + timedelta(days=1)).strftime("%Y-%m-%d")
    assert "txn-" not in admin.get(f"/admin/wallet?from={tomorrow}", hx=True).get_data(
        as_text=True)
    assert "use a date" in admin.get("/admin/wallet?from=yesterday").get_data(as_text=True)
    csv_text = admin.get("/admin/wallet/export.csv?type=topup").get_data(as_text=True)
    lines = csv_text.strip().splitlines()
    assert lines[0].startswith("id,created_at,type,amount")
    assert len(lines) == 62 and lines[-1].startswith(ids[-1])  # oldest first


def test_the_csv_export_quotes_free_text_that_would_start_a_formula(app, team):
    with app.app_context():
        wallet.top_up(team.partner_id, "live", 1_000_000, "=HYPERLINK(\"http://x\")")
        tx.commit()
        db.session.remove()
    admin = sign_in(app, "admin@acme.example")
    last = admin.get("/admin/wallet/export.csv").get_data(as_text=True).strip().splitlines()[-1]
    assert last.endswith('"\'=HYPERLINK(""http://x"")"')
    assert ",1.000000," in last  # amounts stay numbers


def test_a_large_export_runs_as_a_job_and_only_its_partner_downloads_it(app, team, drain,
                                                                         monkeypatch):
    set_config(monkeypatch, app, "CONSOLE_INLINE_EXPORT_ROWS", 10)
    _top_ups(app, team.partner_id, 20)
    admin = sign_in(app, "admin@acme.example")
    offer = admin.get("/admin/wallet/export.csv")
    assert offer.mimetype == "text/html" and "21 rows" in offer.get_data(as_text=True)
    started = submit(admin, "/api/internal/wallet/exports", {}, next_page="/admin/wallet")
    job_url = started.get_data(as_text=True).split('hx-get="')[1].split('"')[0]
    drain()
    done = admin.get(job_url, hx=True).get_data(as_text=True)
    assert "hx-trigger" not in done and "Download the CSV" in done
    download = admin.get(f"{job_url}/download")
    assert download.status_code == 200
    assert len(download.get_data(as_text=True).strip().splitlines()) == 22
    make_team(app, "Globex")
    stranger = sign_in(app, "admin@globex.example")
    assert stranger.get(job_url).status_code == 404
    assert stranger.get(f"{job_url}/download").status_code == 404


def test_usage_draws_one_bar_per_day_with_the_same_numbers_in_the_table(app, team):
    receive(app, team.partner_id, text="hi")  # inbound: not in the delivery rates
    api = app.test_client()
    headers = {"Authorization": f"Bearer {team.live_key}"}
    for to in ("+15551230001", "+15551230002"):
        assert api.post("/api/v1/messages", json={"channel": "sms", "to": to, "text": "hi"},
                        headers=headers).status_code == 202
    with app.app_context():
        db.session.execute(update(Message).where(Message.direction == "outbound").values(
            status="delivered"))
        db.session.commit()
    admin = sign_in(app, "admin@acme.example")
    today = utcnow().strftime("%Y-%m-%d")
    start = (utcnow() - timedelta(days=6)).strftime("%Y-%m-%d")
    page = admin.get(f"/admin/usage?from={start}&to={today}").get_data(as_text=True)
    messages_svg = page.split('id="chart-messages"')[1].split("</svg>")[0]
    assert messages_svg.count('<g class="bar"') == 7
    today_bar = messages_svg.split(f'data-label="{today}"')[1].split("</g>")[0]
    assert today_bar.count("<rect") == 1 and "series-sms" in today_bar
    assert f"{today}: 3" in today_bar  # two sends and one inbound
    table = page.split('id="table-messages"')[1].split("</table>")[0]
    assert re.search(rf"<th scope=\"row\">{today}</th><td class=\"num\">3</td>", table)
    rates = page.split('id="table-rates"')[1].split("</table>")[0]
    assert "100.0%" in rates and '<td class="num">2</td>' in rates
    spend = page.split('id="chart-spend"')[1].split("</svg>")[0]
    assert spend.count('<g class="bar"') == 7
    assert "Choose a range" in admin.get(f"/admin/usage?from={today}&to={start}").get_data(
        as_text=True)


def test_the_audit_log_filters_by_actor_and_surface_and_pages(app, team):
    admin = sign_in(app, "admin@acme.example")
    for n in range(3):
        submit(admin, "/api/internal/canned_replies", {"title": f"t{n}", "body": "b"})
    app.test_client().get("/api/v1/balance",
                          headers={"Authorization": f"Bearer {team.live_key}"})
    page = admin.get("/admin/audit").get_data(as_text=True)
    assert "/api/internal/canned_replies" in page and "/api/v1/balance" in page
    mine = admin.get(f"/admin/audit?actor={team.admin}", hx=True).get_data(as_text=True)
    assert "/api/v1/balance" not in mine and mine.count("/api/internal/canned_replies") == 3
    v1_only = admin.get("/admin/audit?surface=v1", hx=True).get_data(as_text=True)
    assert "/api/v1/balance" in v1_only and "canned_replies" not in v1_only
    errors = admin.get("/admin/audit?errors=1", hx=True).get_data(as_text=True)
    assert "canned_replies" not in errors
    with app.app_context():
        from app.services import audit

        assert audit.page(team.partner_id, limit=2).has_more


def test_an_invitation_is_emailed_and_its_link_sets_the_password_once(app, team):
    admin = sign_in(app, "admin@acme.example")
    invited = submit(admin, "/api/internal/team/invitations",
                     {"email": "Nia@Acme.example", "name": "Nia", "role": "agent"},
                     next_page="/admin/team")
    assert invited.status_code == 204
    assert "nia@acme.example" in admin.get("/admin/team").get_data(as_text=True)
    [mail] = outbox(app)
    assert mail["To"] == "nia@acme.example" and "Acme" in mail["Subject"]
    link = re.search(r"http://\S+/admin/invitations/(\S+)", body_of(mail))
    path = f"/admin/invitations/{link.group(1)}"
    client = app.test_client()
    form = client.get(path).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    short = client.post(path, data={"password": "short", "confirm": "short",
                                    "csrf_token": token})
    assert short.status_code == 422
    accepted = client.post(path, data={"password": PASSWORD, "confirm": PASSWORD,
                                       "csrf_token": token})
    assert accepted.status_code == 303
    sign_in(app, "nia@acme.example")
    assert client.get(path).status_code == 404  # used


def test_roles_change_deactivation_signs_out_and_the_last_admin_stays(app, team):
    admin = sign_in(app, "admin@acme.example")
    agent = sign_in(app, "agent@acme.example")
    submit(admin, f"/api/internal/team/{team.agent}/role", {"role": "admin"})
    with app.app_context():
        assert db.session.get(User, team.agent).role == "admin"
    submit(admin, f"/api/internal/team/{team.agent}/deactivate")
    assert agent.get("/admin/inbox").status_code == 302  # signed out
    refused = submit(admin, f"/api/internal/team/{team.admin}/role", {"role": "agent"})
    assert "at least one active admin" in refused.get_data(as_text=True)
    refused = submit(admin, f"/api/internal/team/{team.admin}/deactivate")
    assert "yourself" in refused.get_data(as_text=True)


def test_templates_canned_replies_and_contacts(app, team):
    admin = sign_in(app, "admin@acme.example")
    added = submit(admin, "/api/internal/templates", {
        "name": "shipped", "channel": "whatsapp", "language": "en",
        "body": "Hi {{name}}, it shipped."}, next_page="/admin/templates")
    assert added.status_code == 204
    assert "shipped" in admin.get("/admin/templates").get_data(as_text=True)
    submit(admin, "/api/internal/canned_replies", {"title": "Thanks", "body": "Thank you!"})
    clash = submit(admin, "/api/internal/canned_replies", {"title": "Thanks", "body": "x"})
    assert "exists" in clash.get_data(as_text=True)
    with app.app_context():
        reply = db.session.scalars(select(CannedReply)).one()
    submit(admin, f"/api/internal/canned_replies/{reply.id}", {"title": "Thanks",
                                                                "body": "Many thanks!"})
    assert "Many thanks!" in admin.get("/admin/canned").get_data(as_text=True)
    conversation_id, _ = receive(app, team.partner_id, name="Kim Lee", address="+15551230077")
    receive(app, team.partner_id, name="Ola", address="+15551230078")
    found = admin.get("/admin/contacts?q=230077", hx=True).get_data(as_text=True)
    assert "Kim Lee" in found and "Ola" not in found
    with app.app_context():
        contact_id = db.session.scalars(select(Contact.id).where(Contact.name == "Kim Lee")).one()
    page = admin.get(f"/admin/contacts/{contact_id}").get_data(as_text=True)
    assert conversation_id in page
    edited = submit(admin, f"/api/internal/contacts/{contact_id}", {
        "name": "Kim L.", "new_attribute_key": "plan", "new_attribute_value": "gold"},
        hx=False, next_page=f"/admin/contacts/{contact_id}")
    assert edited.status_code == 303
    assert "gold" in admin.get(f"/admin/contacts/{contact_id}").get_data(as_text=True)
    submit(admin, f"/api/internal/contacts/{contact_id}/erase", hx=False,
           next_page="/admin/contacts")
    assert admin.get(f"/admin/contacts/{contact_id}").status_code == 404
