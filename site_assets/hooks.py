"""MkDocs build hooks: generated reference sections, crawler files and web-server files.

- The error codes, the channel matrix, the event catalogue and the API reference are
  rendered from the application's own registries and OpenAPI document (see docgen.py) in
  place of a marker in their pages, so the docs cannot drift from the code.
- `openapi.json` (the `/api/v1` contract), `robots.txt`, `llms.txt`, `llms-full.txt` and
  the sitemap are written into the site; the web root's `.htaccess` (clean URLs,
  `/errors/<slug>` redirects, the 404 page, the app's proxied paths) is copied too.
  `robots.txt` and `.htaccess` are the files at the repository root; `sitemap.xml` there is
  the committed copy of the production build's sitemap (`make docs` refreshes it).
- Canonical URLs, the sitemap and `llms.txt` always name the production docs domain, the
  `site_url` of mkdocs.yml. `DOCS_BUILD_URL` names the domain a build is served from (the
  sandbox docs, a preview); it changes none of them. It must share `site_url`'s path, since
  the web-server rules and the 404 page use root-relative paths. A build for another host
  is a duplicate of the site: every page says `noindex` and its robots.txt disallows all.
"""

from __future__ import annotations

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

from site_assets import docgen, markup, seo  # noqa: E402

HERE = Path(__file__).resolve().parent
log = logging.getLogger("mkdocs.hooks.switchboard")
DEFAULT_API_SERVER = "https://api.switchboard.example"
_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.S)
_H1 = re.compile(r"<h1[^>]*>(.*?)(?:<a class=\"headerlink\".*?)?</h1>", re.S)
LOGO = "assets/switchboard-logo.svg"

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
    duplicate = bool(build_url) and urlsplit(build_url).netloc != urlsplit(site_url).netloc
    config["extra"]["noindex"] = duplicate
    api_server = (config.get("extra") or {}).get("api_server", DEFAULT_API_SERVER)
    with docgen.documentation_app() as app:
        reference = docgen.collect(app, api_server)
    _state.clear()
    _state.update(reference=reference, pages={}, order=[], markdown={}, duplicate=duplicate,
                  lastmod=seo.git_lastmod(ROOT, "docs"))
    return config


def on_files(files, config, **_kwargs):
    """Add the generated non-page files: the OpenAPI document, robots.txt and the llms files.

    The llms files are registered here so that pages may link to them; their text is
    written after the build, once every page is rendered.
    """
    document = json.dumps(_state["reference"].openapi, indent=2, ensure_ascii=False) + "\n"
    files.append(File.generated(config, "openapi.json", content=document))
    for name in ("llms.txt", "llms-full.txt"):
        files.append(File.generated(config, name, content=""))
    files.append(File.generated(config, docgen.UNAVAILABLE_PATH, content=docgen.unavailable_problem(
        _state["reference"], config["site_url"])))
    if _state["duplicate"]:
        files.append(File.generated(config, "robots.txt", content=seo.SANDBOX_ROBOTS))
    else:
        files.append(File.generated(config, "robots.txt", abs_src_path=str(ROOT / "robots.txt")))
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
            markdown = docgen.render_marker(src, markdown, _state["reference"],
                                            config["site_url"])
        except ValueError as error:
            raise PluginError(str(error)) from error
    _state["markdown"][src] = markdown
    return markdown


def on_page_content(content, page, config, files, **_kwargs):
    """Give every page its description (front matter, else its first paragraph), whole sentences."""
    written = page.meta.get("description")
    match = _PARAGRAPH.search(content)
    source = written or (seo.plain_text(match.group(1)) if match else config["site_description"])
    try:
        description = seo.describe(source)
    except seo.DescriptionError as error:
        raise PluginError(f"{page.file.src_uri}: description: {error}") from error
    if written and description != " ".join(written.split()):
        raise PluginError(f"{page.file.src_uri}: the front matter's description must be whole "
                          f"sentences within {seo.DESCRIPTION_LIMIT} characters")
    page.meta["description"] = description
    heading = _H1.search(content)
    page.meta["headline"] = seo.plain_text(heading.group(1)) if heading else page.title
    _state["pages"][page.file.src_uri] = (page.title, page.canonical_url, description)
    return markup.wrap_tables(content, page.meta["headline"])


def on_page_context(context, page, config, nav, **_kwargs):
    """Structured data for the page: its date and its TechArticle + BreadcrumbList JSON-LD."""
    site_url = config["site_url"]
    lastmod = _state["lastmod"].get(page.file.src_uri)
    crumbs = [("Switchboard documentation", site_url)]
    parent = page.parent
    while parent is not None:
        first = next((child for child in parent.children if child.is_page), None)
        if first is not None and first is not page:
            crumbs.insert(1, (parent.title, first.canonical_url))
        parent = parent.parent
    if not page.is_homepage:
        crumbs.append((page.title, page.canonical_url))
    page.meta["lastmod"] = lastmod
    page.meta["json_ld"] = seo.json_ld(
        title=page.meta["headline"], description=page.meta["description"], url=page.canonical_url,
        site_name=config["site_name"], site_url=site_url, lastmod=lastmod, crumbs=crumbs,
        logo_url=site_url + LOGO)
    return context


def on_post_build(config, **_kwargs):
    """Write the sitemap and the llms files; copy the web-server files MkDocs skips (dotfiles)."""
    site = Path(config["site_dir"])
    shutil.copyfile(ROOT / ".htaccess", site / ".htaccess")
    (site / "llms.txt").write_text(llms_txt(config), encoding="utf-8")
    pages = _state["pages"]
    ordered = [src for _section, src in _state["order"] if src in pages]
    ordered += [src for src in pages if src not in ordered]
    (site / "llms-full.txt").write_text(seo.llms_full(
        config["site_name"], config["site_description"],
        [(pages[src][0], pages[src][1],
          seo.absolute_links(_state["markdown"][src], src, config["site_url"]))
         for src in ordered]),
        encoding="utf-8")
    seo.write_sitemap(site, seo.sitemap_xml(
        [(pages[src][1], _state["lastmod"].get(src)) for src in ordered]))


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
    sections["Reference"].append(
        f"- [Full text]({config['site_url']}llms-full.txt): every page above in one file.")
    lines = [f"# {config['site_name']}", "", f"> {config['site_description']}", "",
             "Switchboard is a multi-tenant messaging API: WhatsApp, SMS, RCS, email, "
             "Messenger, Instagram, Telegram, Viber, LINE, web chat and push through one "
             "REST surface, with a sandbox that mirrors production.", ""]
    for title, entries in sections.items():
        lines += [f"## {title}", "", *entries, ""]
    return "\n".join(lines)

