"""axe-core, injected into Debian's Chromium, finds no serious or critical violation on any
page of the built site, at desktop width and at a phone's 375 px; and the navigation works
from the keyboard with JavaScript off."""

from __future__ import annotations

import json

import pytest

from tests.docs.browser import browser, serve  # noqa: F401 - the fixture
from tests.docs.conftest import ROOT
from tests.docs.htmlscan import site_pages

pytestmark = pytest.mark.slow

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = {"desktop": (1280, 900), "phone": (375, 812)}


@pytest.fixture(scope="module")
def served(site_dir):
    base, stop = serve(site_dir)
    yield base
    stop()


def _audit(page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => n.target.join(' ') + ' :: ' + n.failureSummary)}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("width", list(WIDTHS))
def test_no_page_has_a_serious_or_critical_axe_violation(browser, served, site_dir, width):  # noqa: F811
    assert AXE.is_file(), "axe-core is not installed: run `make install`"
    paths = [*site_pages(site_dir), "/no-such-page/"]
    found = {}
    context = browser.new_context(viewport=dict(zip(("width", "height"), WIDTHS[width],
                                                    strict=True)))
    page = context.new_page()
    for path in paths:
        url = served + (path if path != "/no-such-page/" else "/404.html")
        page.goto(url, wait_until="load")
        # Audit the page at rest: colours measured mid-transition are neither colour.
        page.evaluate("() => Promise.all(document.getAnimations().map(a => a.finished))")
        violations = _audit(page)
        if violations:
            found[path] = violations
    context.close()
    assert not found, json.dumps(found, indent=1)[:20000]


def _tab_to(page, predicate_js: str, limit: int = 150) -> bool:
    """Press Tab until the focused element satisfies `predicate_js` (an arrow function)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"({predicate_js})(document.activeElement)"):
            return True
    return False


@pytest.mark.parametrize("width", list(WIDTHS))
def test_without_javascript_the_reference_section_is_reachable_from_the_keyboard(
        browser, served, width):  # noqa: F811
    context = browser.new_context(java_script_enabled=False, viewport=dict(
        zip(("width", "height"), WIDTHS[width], strict=True)))
    page = context.new_page()
    page.goto(served + "/sending/")
    errors_link = "el => el.matches('.md-nav--primary a[href$=\"errors/\"]')"
    on_screen = """() => { const a = document.querySelector('.md-nav--primary a[href$="errors/"]');
        a.scrollIntoView({block: 'center'});
        const r = a.getBoundingClientRect();
        return a.contains(document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2));
    }"""
    if width == "phone":
        # The navigation is in the off-screen drawer: its toggle takes the focus, Space opens it.
        assert not page.evaluate(on_screen)
        assert _tab_to(page, "el => el.id === '__drawer'")
        page.keyboard.press("Space")
    assert _tab_to(page, errors_link), "Tab never reaches the Error codes link"
    assert page.evaluate(on_screen)
    page.keyboard.press("Enter")
    page.wait_for_url("**/errors/")
    context.close()
