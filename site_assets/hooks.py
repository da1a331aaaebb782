"""MkDocs build hooks: generated reference sections, crawler files and web-server files.

- The error codes, the channel matrix, the event catalogue and the API reference are
  rendered from the application's own registries and OpenAPI document (see docgen.py) in
  place of a marker in their pages, so the docs cannot drift from the code.
- `openapi.json` (the `/api/v1` contract), `robots.txt` and `llms.txt` are written into the
  site; `.htaccess` (clean URLs, `/errors/<slug>` redirects, the 404 page) is copied too.
- Canonical URLs, the sitemap and `llms.txt` always name the production docs domain, the
  `site_url` of mkdocs.yml. `DOCS_BUILD_URL` names the domain a build is served from (the
  sandbox docs, a preview); it changes none of them. It must share `site_url`'s path, since
  the web-server rules and the 404 page use root-relative paths.
"""

from __future__ import annotations

import html
import json
import logging
import os
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import urlsplit

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `site_assets` and `app` import from the repository root
    sys.path.insert(0, str(ROOT))

from site_assets import docgen  # noqa: E402

HERE = Path(__file__).resolve().parent
log = logging.getLogger("mkdocs.hooks.switchboard")
DEFAULT_API_SERVER = "https://api.switchboard.example"
_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_TAG = re.compile(r"<[^>]+>")

_state: dict = {}


def on_config(config, **_kwargs):
    """Check the URLs and read the registries once per build."""
    site_url = config["site_url"] or ""
    if not site_url.startswith("https://") or not site_url.endswith("/"):
        raise PluginError(f"site_url must be the https production URL ending in /: {site_url}")
    build_url = os.environ.get("DOCS_BUILD_URL", "").strip()
    if build_url:
        if urlsplit(build_url).path.rstrip("/") != urlsplit(site_url).path.rstrip("/"):
            raise PluginError(f"DOCS_BUILD_URL {build_url} must be served at the same path as "
                              f"site_url {site_url}")
        log.info("Building for %s; canonical URLs stay on %s", build_url, site_url)
    api_server = (config.get("extra") or {}).get("api_server", DEFAULT_API_SERVER)
    with docgen.documentation_app() as app:
        reference = docgen.collect(app, api_server)
    _state.clear()
    _state.update(reference=reference, pages={}, order=[])
    return config


def on_files(files, config, **_kwargs):
    """Add the generated non-page files: the OpenAPI document and robots.txt."""
    document = json.dumps(_state["reference"].openapi, indent=2, ensure_ascii=False) + "\n"
    files.append(File.generated(config, "openapi.json", content=document))
    files.append(File.generated(config, "robots.txt",
                                abs_src_path=str(HERE / "robots.txt")))
    return files


def on_nav(nav, config, files, **_kwargs):
    """Remember the navigation's sections and order, for llms.txt."""
    order = []

    def walk(items, section):
        for item in items:
            if item.is_page:
                order.append((section, item.file.src_uri))
            elif item.is_section:
                walk(item.children, item.title)

    walk(nav.items, None)
    _state["order"] = order
    return nav


def on_page_markdown(markdown, page, config, files, **_kwargs):
    """Render a page's generated section in place of its marker."""
    src = page.file.src_uri
    if src in docgen.MARKERS:
        try:
            return docgen.render_marker(src, markdown, _state["reference"], config["site_url"])
        except ValueError as error:
            raise PluginError(str(error)) from error
    return markdown


def on_page_content(content, page, config, files, **_kwargs):
    """Give every page its own description (meta tag and llms.txt): its first paragraph."""
    description = page.meta.get("description")
    if not description:
        match = _PARAGRAPH.search(content)
        description = _summary(match.group(1)) if match else config["site_description"]
        page.meta["description"] = description
    _state["pages"][page.file.src_uri] = (page.title, page.canonical_url, description)
    return content


def on_post_build(config, **_kwargs):
    """Write llms.txt and copy the web-server files MkDocs skips (dotfiles)."""
    site = Path(config["site_dir"])
    shutil.copyfile(HERE / ".htaccess", site / ".htaccess")
    (site / "llms.txt").write_text(llms_txt(config), encoding="utf-8")


def llms_txt(config) -> str:
    """The llmstxt.org index: title, summary, then the pages' canonical URLs by section."""
    pages = _state["pages"]
    sections: dict[str, list[str]] = {}
    listed = set()
    for section, src in _state["order"] + [(None, src) for src in pages]:
        if src in listed or src not in pages:
            continue
        listed.add(src)
        title, url, description = pages[src]
        sections.setdefault(section or "Docs", []).append(f"- [{title}]({url}): {description}")
    openapi_url = config["site_url"] + "openapi.json"
    sections.setdefault("Reference", []).append(
        f"- [OpenAPI document]({openapi_url}): the `/api/v1` contract as OpenAPI 3.1 JSON.")
    lines = [f"# {config['site_name']}", "", f"> {config['site_description']}", "",
             "Switchboard is a multi-tenant messaging API: WhatsApp, SMS, RCS, email, "
             "Messenger, Instagram, Telegram, Viber, LINE, web chat and push through one "
             "REST surface, with a sandbox that mirrors production.", ""]
    for title, entries in sections.items():
        lines += [f"## {title}", "", *entries, ""]
    return "\n".join(lines)


def _summary(fragment: str, limit: int = 200) -> str:
    text = " ".join(html.unescape(_TAG.sub("", fragment)).split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
