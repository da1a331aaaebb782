"""The site's own face, as served without JavaScript: the landing page tells the product's
story with the send and its 202 on the first screen, our logo, colour and footer, and the
evaluation request form posts to the app."""

from __future__ import annotations

import re

import pytest

from tests.docs.conftest import ROOT
from tests.docs.htmlscan import scan, site_pages

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def pages(site_dir):
    return site_pages(site_dir)


def _hero(html: str) -> str:
    """The landing page's first screen: its article up to the first section heading."""
    article = html[html.index("<article"):]
    return article[:article.index("<h2")]


def test_the_landing_page_opens_with_the_send_and_its_202(pages):
    home = pages["/"]
    hero = _hero(home.html)
    text = re.sub(r"<[^>]+>", "", hero)
    assert "One API for eleven messaging channels" in text
    assert "/api/v1/messages" in text and "Idempotency-Key" in text
    assert "202 Accepted" in text
    assert 'href="quickstart-curl/"' in hero and 'href="request-evaluation/"' in hero
    assert home.scripts_in_article == 0


def test_the_landing_page_tells_the_whole_story(pages):
    sections = [text for level, _anchor, text in pages["/"].headings if level == 2]
    assert sections == [
        "Send: one endpoint, eleven channels",
        "Hear back: signed webhook events",
        "Three API surfaces, one pipeline",
        "Try everything in the sandbox",
        "Documentation built to be read by people and machines",
        "Request an evaluation",
    ]
    text = pages["/"].article_text
    for surface in ("/api/v1", "/api/mobile", "/api/internal"):
        assert surface in text
    for link in ("llms.txt", "openapi.json", "sandbox-cookbook/", "webhook-verification/"):
        assert link in pages["/"].html


def test_every_page_has_our_logo_colour_and_footer_not_the_themes(pages, site_dir):
    css = (site_dir / "assets" / "switchboard.css").read_text(encoding="utf-8")
    assert "--md-primary-fg-color: #0b5c4d" in css
    for path, page in pages.items():
        assert "assets/switchboard-logo.svg" in page.html, path
        assert "assets/switchboard.css" in page.html, path
        assert 'data-md-color-primary="custom"' in page.html, path
        assert "Made with" not in page.html and "Material for MkDocs" not in page.html, path
        assert "Request an evaluation" in page.html[page.html.index("<footer"):], path
    assert (ROOT / "docs" / "assets" / "switchboard-logo.svg").read_text(
        encoding="utf-8").startswith("<svg")


def test_the_brand_colours_have_accessible_contrast():
    def luminance(hex_colour: str) -> float:
        channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    def contrast(a: str, b: str) -> float:
        high, low = sorted((luminance(a), luminance(b)), reverse=True)
        return (high + 0.05) / (low + 0.05)

    css = (ROOT / "docs" / "assets" / "switchboard.css").read_text(encoding="utf-8")
    colours = dict(re.findall(r"(--md-[a-z-]+-color(?:--[a-z]+)?): (#[0-9a-f]{6})", css))
    assert contrast(colours["--md-primary-fg-color"], "#ffffff") >= 7  # header text
    assert contrast(colours["--md-typeset-a-color"], "#ffffff") >= 4.5  # links
    for name, colour in colours.items():
        if name.startswith("--md-code-hl-"):
            assert contrast(colour, "#f5f5f5") >= 4.5, name  # code tokens on code background


def test_the_evaluation_form_posts_to_the_app_and_labels_every_field(pages):
    page = pages["/request-evaluation/"]
    start = page.html.index('<form class="sb-form"')
    form = page.html[start:page.html.index("</form>", start)]
    assert re.search(r'<form[^>]*method="post"[^>]*action="/evaluation"', form)
    ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', form)
    assert len(ids) >= 5
    for field in ids:
        assert f'<label for="{field}">' in form, field
    for name in ("name", "email", "company", "channels", "monthly_volume", "use_case"):
        assert f'name="{name}"' in form, name
    assert scan("/", form).scripts_in_article == 0
