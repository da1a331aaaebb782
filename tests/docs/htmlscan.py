"""Read built pages the way a crawler without JavaScript does: the HTML as served."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}


@dataclass
class Page:
    path: str  # the clean URL path, "/sending/"
    html: str
    lang: str | None = None
    canonicals: list[str] = field(default_factory=list)
    robots: list[str] = field(default_factory=list)
    meta: dict[str, list[str]] = field(default_factory=dict)  # by name or property
    json_ld: list[str] = field(default_factory=list)
    headings: list[tuple[int, str | None, str]] = field(default_factory=list)  # level, id, text
    ids: set[str] = field(default_factory=set)
    links: list[str] = field(default_factory=list)  # every href and src
    main_text: str = ""
    article_text: str = ""
    h1: list[str] = field(default_factory=list)
    scripts_in_article: int = 0

    def section(self, anchor: str) -> str:
        """The HTML from the element with id `anchor` to the next heading of its level or above."""
        match = re.search(rf'<h([1-6]) id="{re.escape(anchor)}"', self.html)
        if not match:
            return ""
        level = int(match.group(1))
        end = re.compile(rf"<h[1-{level}][ >]").search(self.html, match.end())
        return self.html[match.start():end.start() if end else len(self.html)]


class _Scanner(HTMLParser):
    def __init__(self, page: Page):
        super().__init__(convert_charrefs=True)
        self.page = page
        self.stack: list[str] = []
        self.in_h1 = False
        self.h1_text: list[str] = []
        self.in_json_ld = False
        self.heading: tuple[int, str | None] | None = None
        self.heading_text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.page.lang = attrs.get("lang")
        if tag == "link" and attrs.get("rel") == "canonical":
            self.page.canonicals.append(attrs.get("href", ""))
        if tag == "meta" and attrs.get("name") == "robots":
            self.page.robots.append(attrs.get("content", ""))
        if tag == "meta" and (attrs.get("name") or attrs.get("property")):
            key = attrs.get("name") or attrs.get("property")
            self.page.meta.setdefault(key, []).append(attrs.get("content", ""))
        if tag == "script" and attrs.get("type") == "application/ld+json":
            self.in_json_ld = True
            self.page.json_ld.append("")
        if re.fullmatch(r"h[1-6]", tag) and "article" in self.stack:
            self.heading = (int(tag[1]), attrs.get("id"))
            self.heading_text = []
        if attrs.get("id"):
            self.page.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name):
                self.page.links.append(attrs[name])
        if tag == "script" and "article" in self.stack:
            self.page.scripts_in_article += 1
        if tag == "h1" and "article" in self.stack:
            self.in_h1 = True
            self.h1_text = []
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_json_ld = False
        if self.heading and tag == f"h{self.heading[0]}":
            text = " ".join("".join(self.heading_text).split()).removesuffix("¶").strip()
            self.page.headings.append((*self.heading, text))
            self.heading = None
        if tag == "h1" and self.in_h1:
            self.in_h1 = False
            self.page.h1.append(" ".join("".join(self.h1_text).split()))
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if self.in_json_ld:
            self.page.json_ld[-1] += data
        if self.heading:
            self.heading_text.append(data)
        if "script" in self.stack or "style" in self.stack:
            return
        if "main" in self.stack:
            self.page.main_text += data
        if "article" in self.stack:
            self.page.article_text += data
        if self.in_h1:
            self.h1_text.append(data)


def scan(path: str, html: str) -> Page:
    """Parse one page."""
    page = Page(path, html)
    _Scanner(page).feed(html)
    page.main_text = " ".join(page.main_text.split())
    page.article_text = " ".join(page.article_text.split())
    return page


def site_pages(site: Path) -> dict[str, Page]:
    """Every HTML page of a built site except the 404 page, by clean URL path."""
    pages = {}
    for file in sorted(site.rglob("index.html")):
        relative = file.parent.relative_to(site).as_posix()
        path = "/" if relative == "." else f"/{relative}/"
        if path.startswith(("/assets/", "/search/")):
            continue
        pages[path] = scan(path, file.read_text(encoding="utf-8"))
    return pages
