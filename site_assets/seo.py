"""What makes each page quotable: its description, dates, structured data and the crawler files.

- A page's description (meta, Open Graph, Twitter, JSON-LD, llms.txt) is its front matter's
  `description` or else its first paragraph, cut to whole sentences within 160 characters.
  A description that cannot end on a full sentence within the limit fails the build.
- `lastmod` (sitemap, JSON-LD `dateModified`) is the author date of the last commit that
  touched the page's source: stable when commits are rebased or cherry-picked.
- The sitemap lists exactly the canonical URLs on the production domain, in nav order.
"""

from __future__ import annotations

import gzip
import html
import json
import posixpath
import re
import subprocess
from pathlib import Path
from xml.sax.saxutils import escape

DESCRIPTION_LIMIT = 160
_TAG = re.compile(r"<[^>]+>")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9`\"'(\[])")


class DescriptionError(ValueError):
    """A description that cannot be quoted whole."""


def plain_text(fragment: str) -> str:
    """What a reader sees of an HTML fragment, on one line."""
    return " ".join(html.unescape(_TAG.sub("", fragment)).split())


def describe(text: str, limit: int = DESCRIPTION_LIMIT) -> str:
    """The leading whole sentences of `text` that fit in `limit` characters."""
    text = " ".join(text.split())
    kept = ""
    for sentence in _SENTENCE_END.split(text):
        candidate = f"{kept} {sentence}".strip()
        if len(candidate) > limit:
            break
        kept = candidate
    if not kept or not kept.endswith((".", "!", "?")):
        raise DescriptionError(
            f"no full sentence within {limit} characters: {text[:limit + 20]!r}")
    if any(char in kept for char in '"<>'):  # the theme puts it in attributes unescaped
        raise DescriptionError(f"use no straight double quote or angle bracket: {kept!r}")
    return kept


def git_lastmod(root: Path, folder: str) -> dict[str, str]:
    """Source path (relative to `folder`) → date of the last commit touching it (YYYY-MM-DD)."""
    try:
        log = subprocess.run(  # noqa: S603 - fixed arguments
            ["git", "log", "--format=@%ad", "--date=short", "--name-only", "--", folder],  # noqa: S607
            cwd=root, capture_output=True, text=True, check=True, timeout=60).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    dates: dict[str, str] = {}
    current = ""
    prefix = folder.rstrip("/") + "/"
    for line in log.splitlines():
        if line.startswith("@"):
            current = line[1:]
        elif line.startswith(prefix):
            dates.setdefault(line[len(prefix):], current)  # newest first: keep the first
    return dates


def json_ld(*, title: str, description: str, url: str, site_name: str, site_url: str,
            lastmod: str | None, crumbs: list[tuple[str, str]], logo_url: str) -> str:
    """The page's schema.org data: a TechArticle and its BreadcrumbList, as script text."""
    publisher = {"@type": "Organization", "name": "Switchboard", "url": site_url,
                 "logo": {"@type": "ImageObject", "url": logo_url}}
    article = {"@type": "TechArticle", "headline": title, "description": description,
               "url": url, "mainEntityOfPage": url, "inLanguage": "en",
               "isPartOf": {"@type": "WebSite", "name": site_name, "url": site_url},
               "publisher": publisher, "author": publisher}
    if lastmod:
        article["dateModified"] = lastmod
    breadcrumbs = {"@type": "BreadcrumbList", "itemListElement": [
        {"@type": "ListItem", "position": position, "name": name, "item": item}
        for position, (name, item) in enumerate(crumbs, start=1)]}
    data = {"@context": "https://schema.org", "@graph": [article, breadcrumbs]}
    # `<` escaped: the text can never close its <script> element.
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).replace("<", "\\u003c")


def sitemap_xml(entries: list[tuple[str, str | None]]) -> str:
    """A sitemaps.org document: (canonical URL, lastmod or None) per page."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url, lastmod in entries:
        date = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
        lines.append(f"  <url><loc>{escape(url)}</loc>{date}</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def write_sitemap(site: Path, text: str) -> None:
    """sitemap.xml and a byte-for-byte reproducible sitemap.xml.gz beside it."""
    (site / "sitemap.xml").write_text(text, encoding="utf-8")
    with open(site / "sitemap.xml.gz", "wb") as raw, \
            gzip.GzipFile(filename="sitemap.xml", mode="wb", fileobj=raw, mtime=0) as packed:
        packed.write(text.encode("utf-8"))


SANDBOX_ROBOTS = """# A copy of the Switchboard docs (the sandbox domain): not for indexing.
User-agent: *
Disallow: /
"""


_MD_LINK = re.compile(r"\]\((?![a-z]+:|#|/)([^)\s#]+)(#[^)\s]*)?\)")


def absolute_links(markdown: str, src: str, site_url: str) -> str:
    """Relative links of a page's Markdown as absolute URLs: the text stands on its own."""

    def url(match: re.Match) -> str:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(src), match.group(1)))
        if target.endswith(".md"):
            target = target[:-3]
            target = "" if target == "index" else target.removesuffix("/index") + "/"
        return f"]({site_url}{target}{match.group(2) or ''})"

    return _MD_LINK.sub(url, markdown)


def llms_full(site_name: str, description: str, pages: list[tuple[str, str, str]]) -> str:
    """Every page's Markdown in nav order, each after a rule and its canonical URL."""
    parts = [f"# {site_name}", "", f"> {description}", ""]
    for title, url, markdown in pages:
        parts += ["---", "", f"Page: {title}", f"Source: {url}", "", markdown.strip(), ""]
    return "\n".join(parts)
