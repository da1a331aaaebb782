"""The inbox pages through the test client: filters, unread counts, live-update validators,
the composer's sends, notes and actions, isolation and role checks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from app.extensions import db
from app.models import Conversation, Message, Template
from app.models.base import utcnow
from app.services.messaging import templates
from tests.admin._inbox import FORM_KEY, make_team, receive, sign_in


@pytest.fixture
def team(app):
    return make_team(app)


def _composer_key(page: str) -> str:
    return FORM_KEY.search(page[page.index('id="composer"'):]).group(1)


def test_the_front_door_leads_to_sign_in_then_to_the_inbox(app, team):
    client = app.test_client()
    assert client.get("/").headers["Location"].endswith("/admin/login")
    browser = sign_in(app, "agent@acme.example")
    assert browser.client.get("/").headers["Location"].endswith("/admin/inbox")
    assert browser.client.get("/admin/").headers["Location"].endswith("/admin/inbox")


def test_admin_pages_carry_the_security_headers(app, team):
    browser = sign_in(app, "agent@acme.example")
    for path in ("/admin/login", "/admin/inbox"):
        headers = browser.client.get(path).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy
        assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "same-origin"


def test_the_list_filters_mine_unassigned_status_channel_and_search(app, team):
    browser = sign_in(app, "agent@acme.example")
    mine, _ = receive(app, team.partner_id, text="Where is my parcel?", address="+15551230001",
                      name="Nadia")
    free, _ = receive(app, team.partner_id, text="Invoice please", address="+15551230002")
    mail, _ = receive(app, team.partner_id, channel="email", address="kim@example.com",
                      text="Refund", name="Kim")
    closed, _ = receive(app, team.partner_id, text="Thanks, done", address="+15551230003")
    browser.post(f"/api/internal/conversations/{mine}/assign", {"agent_id": team.agent})
    browser.post(f"/api/internal/conversations/{closed}/close", {})

    def rows(query: str) -> set[str]:
        page = browser.get(f"/admin/inbox?{query}", hx=True).get_data(as_text=True)
        return {cid for cid in (mine, free, mail, closed) if f'id="row-{cid}"' in page}

    assert rows("") == {mine, free, mail}
    # A contact without a name shows by its address, as the agent would call it back.
    page = browser.get("/admin/inbox").get_data(as_text=True)
    assert "+15551230002</span>" in page.split(f'id="row-{free}"')[1].split("</li>")[0]
    assert rows("view=mine") == {mine}
    assert rows("view=unassigned") == {free, mail}
    assert rows("status=closed") == {closed}
    assert rows("status=any") == {mine, free, mail, closed}
    assert rows("channel=email") == {mail}
    assert rows("q=parcel") == {mine}  # message text
    assert rows("q=nadia") == {mine}  # contact name
    assert rows("q=kim%40example") == {mail}  # address
    assert rows("q=100%25") == set()  # LIKE wildcards are literal


def test_the_list_pages_by_keyset_with_a_load_more_link(app, team):
    browser = sign_in(app, "agent@acme.example")
    ids = [receive(app, team.partner_id, address=f"+155512300{n:02d}")[0] for n in range(30)]
    first = browser.get("/admin/inbox").get_data(as_text=True)
    assert sum(f'id="row-{cid}"' in first for cid in ids) == 25
    more = first.split('class="more"')[1].split('href="')[1].split('"')[0].replace("&amp;", "&")
    second = browser.get(more, hx=True).get_data(as_text=True)
    assert sum(f'id="row-{cid}"' in second for cid in ids) == 5
    assert 'class="more"' not in second
    assert {cid for cid in ids if f'id="row-{cid}"' in first + second} == set(ids)


def test_unread_counts_are_each_agents_own(app, team):
    agent, other = sign_in(app, "agent@acme.example"), sign_in(app, "agent2@acme.example")
    cid, _ = receive(app, team.partner_id, text="one", provider_id="p1")
    receive(app, team.partner_id, text="two", provider_id="p2")

    def unread(browser) -> str | None:
        page = browser.get("/admin/inbox").get_data(as_text=True)
        row = page.split(f'id="row-{cid}"')[1].split("</li>")[0]
        if 'class="unread"' not in row:
            return None
        return row.split('class="unread" aria-label="')[1].split(" ")[0]

    assert unread(agent) == "2" and unread(other) == "2"
    agent.get(f"/admin/conversations/{cid}")
    assert unread(agent) is None and unread(other) == "2"
    receive(app, team.partner_id, text="three", provider_id="p3")
    assert unread(agent) == "1" and unread(other) == "3"


def test_the_thread_poll_answers_204_until_something_changes(app, team):
    browser = sign_in(app, "agent@acme.example")
    cid, _ = receive(app, team.partner_id, text="first", provider_id="p1")
    page = browser.get(f"/admin/conversations/{cid}").get_data(as_text=True)
    version = page.split("/lines?v=")[1].split('"')[0]
    poll = f"/admin/conversations/{cid}/lines?v={version}"
    assert browser.get(poll, hx=True).status_code == 204
    receive(app, team.partner_id, text="second <b>bold</b>", provider_id="p2")
    changed = browser.get(poll, hx=True)
    assert changed.status_code == 200
    html = changed.get_data(as_text=True)
    assert "second &lt;b&gt;bold&lt;/b&gt;" in html and 'hx-swap-oob="true"' in html
    new_version = html.split("/lines?v=")[1].split('"')[0]
    assert new_version != version
    assert browser.get(f"/admin/conversations/{cid}/lines?v={new_version}",
                       hx=True).status_code == 204
    with app.app_context():  # a status change alone changes the version too
        db.session.execute(update(Message).values(status_sequence=Message.status_sequence + 1))
        db.session.commit()
    assert browser.get(f"/admin/conversations/{cid}/lines?v={new_version}",
                       hx=True).status_code == 200


def test_a_reply_form_posted_twice_sends_once_and_without_javascript_redirects_back(app, team):
    browser = sign_in(app, "agent@acme.example")
    browser.environment("sandbox")
    cid, _ = receive(app, team.partner_id, "sandbox", text="Hi")
    page = browser.get(f"/admin/conversations/{cid}").get_data(as_text=True)
    form = {"conversation_id": cid, "text": "On its way", "idempotency_key": _composer_key(page),
            "next": f"/admin/conversations/{cid}"}
    plain = browser.post("/api/internal/messages/send_and_confirm", form)
    assert plain.status_code == 303 and plain.headers["Location"] == f"/admin/conversations/{cid}"
    again = browser.post("/api/internal/messages/send_and_confirm", form, hx=True)
    assert again.status_code in (200, 202)
    fragment = again.get_data(as_text=True)
    assert "On its way" in fragment and 'id="composer"' in fragment  # and a fresh composer
    assert _composer_key(fragment) != form["idempotency_key"]
    with app.app_context():
        sent = db.session.scalars(select(Message).where(Message.direction == "outbound")).all()
        assert [(m.text, m.environment) for m in sent] == [("On its way", "sandbox")]


def test_a_refused_send_shows_its_problem_in_the_page(app, team):
    browser = sign_in(app, "agent@acme.example")
    cid, _ = receive(app, team.partner_id, text="Hi")
    browser.post(f"/api/internal/conversations/{cid}/close", {})
    refused = browser.post("/api/internal/messages/send_and_confirm",
                           {"conversation_id": cid, "text": "late"}, hx=True)
    assert refused.status_code == 200 and refused.headers["HX-Retarget"] == "#flash"
    assert "reopen it to reply" in refused.get_data(as_text=True)
    plain = browser.post("/api/internal/messages/send_and_confirm",
                         {"conversation_id": cid, "text": "late",
                          "next": f"/admin/conversations/{cid}"})
    assert plain.status_code == 303
    assert "reopen it to reply" in browser.get(plain.headers["Location"]).get_data(as_text=True)


def test_whatsapp_free_text_only_inside_the_24_hour_window_else_a_template(app, team):
    browser = sign_in(app, "agent@acme.example")
    browser.environment("sandbox")
    cid, message_id = receive(app, team.partner_id, "sandbox", channel="whatsapp", text="Hi")
    with app.app_context():
        template = templates.create(team.partner_id, "sandbox", name="order_update",
                                    language="en", channel="whatsapp",
                                    body="Hello {{name}}, order {{order}} shipped.")
        template_id = template.id
        db.session.execute(update(Message).where(Message.id == message_id)
                           .values(created_at=utcnow() - timedelta(hours=25)))
        db.session.commit()
    page = browser.get(f"/admin/conversations/{cid}").get_data(as_text=True)
    assert "WhatsApp allows only a template now" in page and 'name="text"' not in page
    refused = browser.post("/api/internal/messages/send_and_confirm",
                           {"conversation_id": cid, "text": "free text"}, hx=True)
    assert "within 24 hours" in refused.get_data(as_text=True)
    fields = browser.get(f"/admin/conversations/{cid}/composer?template_id={template_id}",
                         hx=True).get_data(as_text=True)
    assert 'name="variables.name"' in fields and 'name="variables.order"' in fields
    sent = browser.post("/api/internal/messages/send_and_confirm", {
        "conversation_id": cid, "template_id": template_id, "variables.name": "Ana",
        "variables.order": "A-17"}, hx=True)
    assert sent.status_code in (200, 202), sent.get_data(as_text=True)
    with app.app_context():
        message = db.session.scalar(select(Message).where(Message.direction == "outbound"))
        assert (message.template, message.variables) == ("order_update",
                                                         {"name": "Ana", "order": "A-17"})
        assert db.session.get(Template, template_id) is not None


def test_the_sms_composer_counts_segments_and_encoding(app, team):
    browser = sign_in(app, "agent@acme.example")
    assert "161 characters · 2 segments · GSM-7" in browser.get(
        "/admin/compose/segments?text=" + "a" * 161, hx=True).get_data(as_text=True)
    assert "1 character · 1 segment · UCS-2" in browser.get(
        "/admin/compose/segments?text=%F0%9F%91%8B", hx=True).get_data(as_text=True)


def test_notes_stay_in_the_thread_and_never_reach_the_partner_api(app, team):
    browser = sign_in(app, "agent@acme.example")
    cid, _ = receive(app, team.partner_id, text="Hi")
    posted = browser.post(f"/api/internal/conversations/{cid}/notes",
                          {"body": "VIP <b>customer</b>"}, hx=True)
    assert posted.status_code == 200
    assert "VIP &lt;b&gt;customer&lt;/b&gt;" in posted.get_data(as_text=True)
    messages = app.test_client().get(f"/api/v1/conversations/{cid}/messages",
                                     headers={"Authorization": f"Bearer {team.live_key}"})
    assert "VIP" not in messages.get_data(as_text=True)
    assert len(messages.json["data"]) == 1


def test_actions_show_as_event_lines_and_assignments_raise_the_event(app, team):
    browser = sign_in(app, "agent@acme.example")
    cid, _ = receive(app, team.partner_id, text="Hi")
    browser.post(f"/api/internal/conversations/{cid}/assign", {"agent_id": team.other_agent},
                 hx=True)
    browser.post(f"/api/internal/conversations/{cid}/close", {}, hx=True)
    page = browser.post(f"/api/internal/conversations/{cid}/reopen", {},
                        hx=True).get_data(as_text=True)
    assert "assigned this to agent2@acme.example" in page
    assert "closed this" in page and "reopened this" in page
    unassigned = browser.post(f"/api/internal/conversations/{cid}/assign", {"agent_id": ""},
                              hx=True).get_data(as_text=True)
    assert "unassigned this" in unassigned
    events = app.test_client().get("/api/v1/events?type=conversation.assigned",
                                   headers={"Authorization": f"Bearer {team.live_key}"})
    assert len(events.json["data"]) == 2


def test_forms_without_the_csrf_token_are_refused(app, team):
    browser = sign_in(app, "agent@acme.example")
    cid, _ = receive(app, team.partner_id, text="Hi")
    refused = browser.post(f"/api/internal/conversations/{cid}/close", {}, csrf=False)
    assert refused.status_code in (303, 403)
    with app.app_context():
        assert db.session.get(Conversation, cid).status == "open"
    assert browser.post("/admin/environment", {"environment": "sandbox"},
                        csrf=False).status_code == 400


def test_another_partners_conversation_is_404_everywhere(app, team):
    other = make_team(app, "Globex")
    theirs, message_id = receive(app, other.partner_id, text="secret")
    browser = sign_in(app, "agent@acme.example")
    for path in (f"/admin/conversations/{theirs}", f"/admin/conversations/{theirs}/lines",
                 f"/admin/conversations/{theirs}/composer",
                 f"/admin/conversations/{theirs}/contact", f"/admin/messages/{message_id}"):
        assert browser.get(path).status_code == 404, path
    for path, form in ((f"/api/internal/conversations/{theirs}/close", {}),
                       (f"/api/internal/conversations/{theirs}/notes", {"body": "x"})):
        response = browser.post(path, form, hx=True)
        assert "No conversation" in response.get_data(as_text=True), path
    assert "secret" not in browser.get("/admin/inbox?status=any").get_data(as_text=True)


def test_live_and_sandbox_never_mix(app, team):
    browser = sign_in(app, "agent@acme.example")
    live, _ = receive(app, team.partner_id, "live", text="live hello", address="+15551230001")
    sandbox, _ = receive(app, team.partner_id, "sandbox", text="sandbox hello",
                         address="+15551230001")
    page = browser.get("/admin/inbox").get_data(as_text=True)
    assert f"row-{live}" in page and f"row-{sandbox}" not in page
    assert "Sandbox:" not in page
    assert browser.get(f"/admin/conversations/{sandbox}").status_code == 404
    browser.environment("sandbox")
    page = browser.get("/admin/inbox").get_data(as_text=True)
    assert f"row-{sandbox}" in page and f"row-{live}" not in page
    assert "Sandbox:" in page  # the banner
    assert browser.get(f"/admin/conversations/{live}").status_code == 404


def test_roles_sign_in_required_operators_refused_and_erasing_is_for_admins(app, team):
    cid, _ = receive(app, team.partner_id, text="Hi", name="Erin")
    anonymous = app.test_client()
    for path in ("/admin/inbox", f"/admin/conversations/{cid}", "/admin/compose/segments"):
        assert anonymous.get(path).status_code == 302, path
    with app.app_context():
        from tests.factories import make_user

        make_user("operator", None, email="ops@switchboard.example")
    operator = sign_in(app, "ops@switchboard.example")
    assert operator.get("/admin/inbox").status_code == 403
    agent = sign_in(app, "agent@acme.example")
    assert "Erase this contact" not in agent.get(f"/admin/conversations/{cid}").get_data(
        as_text=True)
    with app.app_context():
        contact_id = db.session.get(Conversation, cid).contact_id
    refused = agent.post(f"/api/internal/contacts/{contact_id}/erase", {}, hx=True)
    assert "admins can erase" in refused.get_data(as_text=True)
    admin = sign_in(app, "admin@acme.example")
    assert "Erase this contact" in admin.get(f"/admin/conversations/{cid}").get_data(
        as_text=True)
    erased = admin.post(f"/api/internal/contacts/{contact_id}/erase", {}, hx=True)
    assert erased.headers["HX-Redirect"] == "/admin/inbox"
    with app.app_context():
        assert db.session.get(Conversation, cid) is None


def test_the_contact_pane_edits_name_and_attributes_in_place(app, team):
    browser = sign_in(app, "agent@acme.example")
    cid, _ = receive(app, team.partner_id, text="Hi", name="Old Name")
    form = browser.get(f"/admin/conversations/{cid}/contact?edit=contact",
                       hx=True).get_data(as_text=True)
    assert 'name="name"' in form and "Old Name" in form
    with app.app_context():
        contact_id = db.session.get(Conversation, cid).contact_id
    saved = browser.post(f"/api/internal/contacts/{contact_id}", {
        "conversation_id": cid, "name": "New Name", "new_attribute_key": "tier",
        "new_attribute_value": "gold"}, hx=True).get_data(as_text=True)
    assert "New Name" in saved and "gold" in saved
    removed = browser.post(f"/api/internal/contacts/{contact_id}", {
        "conversation_id": cid, "name": "New Name", "attributes.tier": ""},
        hx=True).get_data(as_text=True)
    assert "gold" not in removed


def test_a_canned_reply_fills_the_composer(app, team):
    from app.models import CannedReply

    browser = sign_in(app, "agent@acme.example")
    cid, _ = receive(app, team.partner_id, text="Opening hours?")
    with app.app_context():
        reply = CannedReply(partner_id=team.partner_id, environment="live", title="Hours",
                            body="We are open 9 to 5, Monday to Friday.")
        db.session.add(reply)
        db.session.commit()
        reply_id = reply.id
    page = browser.get(f"/admin/conversations/{cid}").get_data(as_text=True)
    assert "Hours" in page
    filled = browser.get(f"/admin/conversations/{cid}/composer?canned={reply_id}",
                         hx=True).get_data(as_text=True)
    assert ">We are open 9 to 5, Monday to Friday.</textarea>" in filled
    no_js = browser.get(f"/admin/conversations/{cid}?canned={reply_id}").get_data(as_text=True)
    assert ">We are open 9 to 5, Monday to Friday.</textarea>" in no_js


def test_a_pending_message_line_polls_itself_until_its_status_is_final(app, team):
    browser = sign_in(app, "agent@acme.example")
    cid, _ = receive(app, team.partner_id, text="Hi")
    with app.app_context():
        from app.services.inbox import inbox

        message_id = inbox.reply(team.partner_id, "live", cid, "On it").id
        db.session.commit()
    pending = browser.get(f"/admin/messages/{message_id}", hx=True).get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in pending and "Queued" in pending
    with app.app_context():
        db.session.execute(update(Message).where(Message.id == message_id)
                           .values(status="delivered"))
        db.session.commit()
    final = browser.get(f"/admin/messages/{message_id}", hx=True).get_data(as_text=True)
    assert "hx-trigger" not in final and "Delivered" in final
