"""HTML touches the theme does not make: wide tables that a keyboard can scroll.

Material wraps tables in a scrolling box with JavaScript only, and that box cannot take the
focus, so a keyboard user cannot scroll a wide table. Every table is wrapped server-side in
a focusable, named region instead (with JavaScript off too); the CSS in
docs/assets/switchboard.css neutralises the theme's own inner box.
"""

from __future__ import annotations

import html
import re

_TABLE = re.compile(r"<table>.*?</table>", re.S)
_HEADING = re.compile(r"<h([1-6])[^>]*>(.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]+>")
_PERMALINK = re.compile(r'<a class="headerlink".*?</a>', re.S)


def _text(fragment: str) -> str:
    return " ".join(html.unescape(_TAG.sub("", _PERMALINK.sub("", fragment))).split())


def wrap_tables(content: str, page_title: str) -> str:
    """Put each table in a focusable region named after the section it belongs to."""
    headings = [(match.start(), _text(match.group(2))) for match in _HEADING.finditer(content)]
    counts: dict[str, int] = {}

    def wrap(match: re.Match) -> str:
        section = next((text for start, text in reversed(headings) if start < match.start()),
                       page_title)
        counts[section] = counts.get(section, 0) + 1
        label = f"Table: {section}" + (f" ({counts[section]})" if counts[section] > 1 else "")
        return (f'<div class="sb-table" tabindex="0" role="region" '
                f'aria-label="{html.escape(label)}">{match.group(0)}</div>')

    return _TABLE.sub(wrap, content)
