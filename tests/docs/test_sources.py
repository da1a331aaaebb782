"""The hand-written pages name only codes and event types that exist in the code's registries."""

from __future__ import annotations

import re

from app.errors import registry
from app.services.events import EVENT_TYPES
from site_assets import docgen
from tests.docs.conftest import ROOT, mkdocs_config

DOCS = ROOT / "docs"


def _pages() -> dict[str, str]:
    return {page.relative_to(DOCS).as_posix(): page.read_text(encoding="utf-8")
            for page in sorted(DOCS.rglob("*.md"))}


def test_every_event_type_the_docs_name_is_a_registered_event_type():
    for name, text in _pages().items():
        for event_type in re.findall(r"`((?:message|conversation|contact)\.[a-z_]+)`", text):
            assert event_type in EVENT_TYPES, f"{name}: `{event_type}` is not an event type"


def test_every_problem_code_and_type_url_in_the_docs_is_registered():
    codes = registry()
    slugs = {code.replace("_", "-") for code in codes}
    for name, text in _pages().items():
        for code in re.findall(r'"code": "([a-z_]+)"', text):
            assert code in codes, f"{name}: {code} is not a registered error code"
        for slug in re.findall(r"docs\.switchboard\.example/errors/([a-z0-9-]+)", text):
            assert slug in slugs, f"{name}: /errors/{slug} names no registered code"


def test_each_generated_page_keeps_its_marker_and_every_page_is_in_the_nav():
    pages = _pages()
    for page, marker in docgen.MARKERS.items():
        assert sum(line.strip().startswith(marker) for line in pages[page].splitlines()) == 1

    def nav_files(items):
        for item in items:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            if isinstance(value, list):
                yield from nav_files(value)
            else:
                yield value

    assert sorted(nav_files(mkdocs_config()["nav"])) == sorted(pages)
