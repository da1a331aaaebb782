"""The inbox in real Chromium: sign in, read, reply and watch it deliver, assign, close,
hostile content, the keyboard, phone width, JavaScript off, and axe-core."""

from __future__ import annotations

import re

import httpx
import pytest

from tests.admin._inbox import PASSWORD, make_team, receive
from tests.e2e.conftest import shoot

pytestmark = pytest.mark.slow
HOSTILE_TEXT = "<script>alert(1)</script> and <img src=x onerror=alert(2)>"
HOSTILE_NAME = "<img src=x onerror=alert(3)>"
HIDDEN = "Object.defineProperty(document, 'hidden', {configurable: true, get: () => VALUE})"


@pytest.fixture
def team(app):
    return make_team(app)


@pytest.fixture
def page(chromium, live_server):
    context = chromium.new_context(base_url=live_server, viewport={"width": 1280, "height": 800})
    yield context.new_page()
    context.close()


def sign_in(page, email: str, environment: str = "live") -> None:
    page.goto("/")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/inbox"))
    if environment == "sandbox":
        page.click(".env-switch button[value=sandbox]")
        page.wait_for_selector(".sandbox-banner")


def _outbound(live_server: str, key: str) -> list[dict]:
    listed = httpx.get(live_server + "/api/v1/messages?direction=outbound",
                       headers={"Authorization": f"Bearer {key}"}, timeout=10)
    assert listed.status_code == 200, listed.text
    return listed.json()["data"]


def test_reply_goes_to_sent_then_delivered_without_reload_and_a_double_click_sends_once(
        app, team, page, live_server):
    conversation_id, _ = receive(app, team.partner_id, "sandbox", text="Is my order on its way?",
                                 name="Nadia Rahman", address="+15005550006")
    receive(app, team.partner_id, "sandbox", text="Invoice please", address="+15005550007")
    sign_in(page, "agent@acme.example", "sandbox")
    assert page.locator(".row").count() == 2
    shoot(page, "inbox")
    page.click(f"#row-{conversation_id} a")
    page.wait_for_selector("#thread-lines")
    assert re.search(f"/admin/conversations/{conversation_id}(\\?|$)", page.url)
    page.fill("#composer textarea[name=text]", "Yes, it ships today.")
    page.dblclick("#composer button[type=submit]")
    delivered = page.locator("#thread-lines .msg-outbound", has_text="Yes, it ships today.")
    delivered.locator(".tick-delivered").wait_for(timeout=20000)
    assert page.locator("#thread-lines .msg-outbound").count() == 1
    shoot(page, "thread")
    sent = _outbound(live_server, team.test_key)
    assert [(m["text"], m["status"]) for m in sent] == [("Yes, it ships today.", "delivered")]
    # The status moved through sent before delivered, each change shown by polling alone.
    events = httpx.get(f"{live_server}/api/v1/events?type=message.sent",
                       headers={"Authorization": f"Bearer {team.test_key}"}, timeout=10)
    assert [e["data"]["id"] for e in events.json()["data"]] == [sent[0]["id"]]


def test_assignment_reaches_the_second_agent_and_close_reopen_show_in_the_thread(
        app, team, chromium, live_server, page):
    conversation_id, _ = receive(app, team.partner_id, text="Hello team", name="Kim")
    sign_in(page, "agent@acme.example")
    page.click(f"#row-{conversation_id} a")
    page.select_option("#thread-header select[name=agent_id]", team.other_agent)
    page.click("#thread-header .assign-to button")
    page.locator("#thread-lines .event", has_text="assigned this to agent2@acme.example") \
        .wait_for()
    second = chromium.new_context(base_url=live_server).new_page()
    sign_in(second, "agent2@acme.example")
    second.check("input[name=view][value=mine]")
    second.locator(f"#row-{conversation_id}").wait_for()
    assert second.locator(".row").count() == 1
    second.context.close()
    page.click("#thread-header button[data-shortcut=e]")
    page.locator("#thread-lines .event", has_text="closed this").wait_for()
    assert page.locator(".closed-note").is_visible()
    page.click("#thread-header button:has-text('Reopen')")
    page.locator("#thread-lines .event", has_text="reopened this").wait_for()
    assert page.locator("#composer").is_visible()


def test_hostile_names_and_messages_render_as_text_and_fire_nothing(app, team, page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    conversation_id, _ = receive(app, team.partner_id, text=HOSTILE_TEXT, name=HOSTILE_NAME)
    sign_in(page, "agent@acme.example")
    assert page.locator(f"#row-{conversation_id} .contact-name").inner_text() == HOSTILE_NAME
    page.click(f"#row-{conversation_id} a")
    page.wait_for_selector("#thread-lines")
    assert page.locator("#thread-lines .msg .body").first.inner_text() == HOSTILE_TEXT
    assert page.locator("#thread-header h1").inner_text() == HOSTILE_NAME
    receive(app, team.partner_id, text="<svg onload=alert(4)>", provider_id="late")
    page.locator("#thread-lines .msg .body", has_text="<svg onload=alert(4)>").wait_for()
    assert page.locator("img[src=x], svg[onload]").count() == 0
    assert dialogs == []


def test_the_keyboard_moves_opens_replies_searches_and_lists_the_shortcuts(app, team, page):
    first, _ = receive(app, team.partner_id, text="First", address="+15551230001")
    second, _ = receive(app, team.partner_id, text="Second", address="+15551230002")
    sign_in(page, "agent@acme.example")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.closest('li').id") == f"row-{second}"
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.closest('li').id") == f"row-{first}"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(first))
    page.wait_for_selector("#composer textarea")
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.name") == "text"
    page.keyboard.press("Escape")
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("a")
    page.locator("#thread-lines .event", has_text="assigned this").wait_for()
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search"
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("?")
    assert page.locator("#shortcuts").is_visible()


def test_phone_width_shows_one_pane_at_a_time(app, team, chromium, live_server):
    conversation_id, _ = receive(app, team.partner_id, text="On my phone", name="Ines")
    context = chromium.new_context(base_url=live_server, viewport={"width": 375, "height": 740},
                                   is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, "agent@acme.example")
    assert page.locator(".pane-list").is_visible()
    assert not page.locator(".pane-thread").is_visible()
    shoot(page, "phone-inbox")
    page.click(f"#row-{conversation_id} a")
    page.wait_for_selector("#thread-lines")
    assert page.locator(".pane-thread").is_visible()
    assert not page.locator(".pane-list").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    shoot(page, "phone-thread")
    context.close()


def test_with_javascript_off_the_inbox_reads_and_a_reply_posts_back_to_the_thread(
        app, team, chromium, live_server):
    conversation_id, _ = receive(app, team.partner_id, "sandbox", text="No JS here",
                                 address="+15005550006")
    context = chromium.new_context(base_url=live_server, java_script_enabled=False)
    page = context.new_page()
    sign_in(page, "agent@acme.example", "sandbox")
    page.click(f"#row-{conversation_id} a")
    page.wait_for_url(re.compile(conversation_id))
    assert page.locator("#thread-lines .msg", has_text="No JS here").is_visible()
    page.fill("#composer textarea[name=text]", "Answered without JavaScript")
    page.click("#composer button[type=submit]")
    page.wait_for_url(re.compile(f"/admin/conversations/{conversation_id}$"))
    assert page.locator("#thread-lines .msg-outbound",
                        has_text="Answered without JavaScript").is_visible()
    context.close()


def test_axe_finds_no_serious_or_critical_violation_on_sign_in_inbox_and_thread(
        app, team, chromium, live_server, axe):
    conversation_id, _ = receive(app, team.partner_id, text="Accessible?", name="Ola")
    context = chromium.new_context(base_url=live_server, bypass_csp=True)
    page = context.new_page()
    page.goto("/admin/login")
    assert axe(page) == []
    sign_in(page, "agent@acme.example")
    assert axe(page) == []
    page.goto(f"/admin/conversations/{conversation_id}")
    assert axe(page) == []
    context.close()


def test_the_thread_polls_only_while_the_tab_is_visible(app, team, page):
    conversation_id, _ = receive(app, team.partner_id, text="Polling?")
    polls: list[str] = []
    page.on("request", lambda request: polls.append(request.url)
            if "/lines?" in request.url else None)
    sign_in(page, "agent@acme.example")
    page.click(f"#row-{conversation_id} a")
    page.wait_for_selector("#thread-lines")
    page.wait_for_timeout(3500)
    assert polls, "the thread never polled while visible"
    page.evaluate(HIDDEN.replace("VALUE", "true"))
    page.wait_for_timeout(500)
    hidden_from = len(polls)
    page.wait_for_timeout(7000)
    assert len(polls) == hidden_from  # two poll periods passed: nothing asked while hidden
    page.evaluate(HIDDEN.replace("VALUE", "false"))
    page.wait_for_timeout(3500)
    assert len(polls) > hidden_from
