"""The built documentation site: generated from the code, crawlable, one canonical URL per page."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from html import unescape
from pathlib import Path
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import pytest

from site_assets import apiref, docgen
from tests.docs.conftest import ROOT, SANDBOX_DOCS_URL, mkdocs_config, run_mkdocs_build
from tests.docs.htmlscan import scan, site_pages

pytestmark = pytest.mark.slow

AI_CRAWLERS = ("GPTBot", "ClaudeBot", "Claude-Web", "anthropic-ai", "Google-Extended",
               "PerplexityBot", "CCBot", "Applebot-Extended")
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def pages(site_dir):
    return site_pages(site_dir)


@pytest.fixture
def reference(app):
    return docgen.collect(app, mkdocs_config()["extra"]["api_server"])


def _text(html: str) -> str:
    """What a reader sees of an HTML fragment."""
    return " ".join(unescape(re.sub(r"<[^>]+>", "", html)).split())


def _plain(markdown: str) -> str:
    return " ".join(markdown.replace("`", "").split())


def _sitemap_locs(site: Path) -> list[str]:
    tree = ET.parse(site / "sitemap.xml")
    return [loc.text for loc in tree.getroot().iterfind("sm:url/sm:loc", SITEMAP_NS)]


def _canonicals(site: Path) -> dict[str, list[str]]:
    return {path: page.canonicals for path, page in site_pages(site).items()}


def test_make_docs_is_a_strict_build_and_it_succeeds(site_dir):
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\ndocs:", 1)[1]
    assert "mkdocs build --strict" in recipe.split("\n\n", 1)[0]
    for name in ("index.html", "404.html", "sitemap.xml", "robots.txt", "llms.txt",
                 "llms-full.txt", "openapi.json", ".htaccess", "problems/service-unavailable.json"):
        assert (site_dir / name).is_file(), name


# Generated from the code -------------------------------------------------------------------


def test_every_error_code_has_a_section_anchored_at_its_problem_type_slug(pages, app):
    from app.errors import registry, type_url

    errors_page = pages["/errors/"]
    with app.app_context():
        for code, entry in registry().items():
            slug = urlsplit(type_url(code)).path.removeprefix("/errors/")
            assert slug == code.replace("_", "-")
            assert slug in errors_page.ids, f"no #{slug} on the errors page"
            section = errors_page.section(slug)
            assert f"<code>{code}</code>" in section
            assert f"HTTP {entry.status}" in _text(section)
            assert entry.title in _text(section)
            assert _plain(entry.description) in _text(section)


def test_the_channel_matrix_is_rendered_row_for_row_from_the_channel_registry(pages, reference):
    html = pages["/channels/"].html
    assert "<!-- channel-matrix" not in html  # the marker was replaced
    table = html[html.index("<table>"):html.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    assert len(rows) == len(reference.channels) == 11
    for row, channel in zip(rows, reference.channels, strict=True):
        api = channel.api
        assert f"<code>{api['name']}</code>" in row
        assert f"<code>{api['address']}</code>" in row
        assert api["pricing"]["default"] in row
        for price in api["pricing"]["by_country_code"].values():
            assert price in row
        cells = re.findall(r"<td>(.*?)</td>", row, re.S)
        assert cells[3:6] == ["yes" if api[flag] else "no"
                              for flag in ("delivery_receipts", "read_receipts", "bounces")]


def test_every_event_type_is_in_the_event_catalogue(pages, reference):
    page = pages["/events/"]
    assert reference.events, "the event registry is empty"
    for event_type, description in reference.events.items():
        anchor = docgen.event_anchor(event_type)
        assert anchor in page.ids
        section = page.section(anchor)
        assert f"<code>{event_type}</code>" in section
        assert _plain(description) in _text(section)


def _reference_path(tag: str) -> str:
    """The clean URL of the reference page that documents a `/api/v1` tag."""
    if tag in docgen.INDEX_TAGS:
        return "/reference/"
    return "/" + docgen.resource_page(tag).removesuffix(".md") + "/"


def _check_operations(document: dict, page_of, pages) -> int:
    """Every operation of `document` is in full on its page; returns how many there are."""
    schemas = document["components"]["schemas"]
    count = 0
    for path, item in document["paths"].items():
        for method, operation in item.items():
            count += 1
            page = pages[page_of(operation)]
            section = page.section(apiref.operation_anchor(operation))
            assert section, f"{method.upper()} {path} is missing from {page.path}"
            assert f"<code>{method.upper()} {path}</code>" in section
            assert operation["summary"] in _text(section)
            for param in operation["parameters"]:
                assert f"<code>{param['name']}</code>" in section
            body = operation.get("requestBody")
            if body:
                schema = next(iter(body["content"].values()))["schema"]
                for field_path, _prop, _required in apiref.fields(schema, schemas):
                    assert f"<code>{field_path}</code>" in section, (path, field_path)
            for status in operation["responses"]:
                assert f"<code>{status}</code>" in section
    return count


def test_every_openapi_operation_is_on_its_resources_reference_page(pages, reference):
    count = _check_operations(reference.openapi,
                              lambda op: _reference_path(op["tags"][0]), pages)
    assert count >= 20
    # The index lists and links every operation to its page.
    index = pages["/reference/"].html
    for item in reference.openapi["paths"].values():
        for operation in item.values():
            if operation["tags"][0] not in docgen.INDEX_TAGS:
                target = _reference_path(operation["tags"][0]).removeprefix("/reference/")
                link = f'href="{target}#{apiref.operation_anchor(operation)}"'
                assert link in index, operation["operationId"]


def test_every_mobile_operation_is_on_the_mobile_reference_page(pages, reference):
    assert _check_operations(reference.mobile_openapi, lambda op: "/reference/mobile/",
                             pages) >= 8


def test_there_is_one_reference_page_per_resource(pages):
    for resource in ("messages", "contacts", "conversations", "templates", "webhooks",
                     "events", "wallet", "usage", "channels", "gateways", "mobile"):
        assert f"/reference/{resource}/" in pages, resource


def test_the_site_serves_the_openapi_document_of_the_api(site_dir, reference, app):
    published = json.loads((site_dir / "openapi.json").read_text(encoding="utf-8"))
    assert published == reference.openapi
    served = app.test_client().get("/api/v1/openapi.json").get_json()
    assert {**served, "servers": published["servers"]} == published


# Crawlable -------------------------------------------------------------------------------


def test_every_page_is_readable_without_javascript(pages):
    assert len(pages) >= 35
    for path, page in pages.items():
        assert page.lang == "en", path
        assert len(page.h1) == 1, f"{path}: {page.h1}"
        assert page.h1[0] in page.article_text
        assert len(page.article_text) > 200, path
        assert page.article_text in page.main_text, f"{path}: the article is not in <main>"
        assert page.scripts_in_article == 0, path
    # Generated content is in the served HTML, not fetched by a script.
    assert "insufficient_funds" in pages["/errors/"].article_text
    assert "POST /api/v1/messages" in pages["/reference/messages/"].article_text
    assert "message.delivered" in pages["/events/"].article_text
    assert "fcm_token" in pages["/channels/"].article_text


@pytest.mark.parametrize("build", ["production", "sandbox"])
def test_each_page_has_one_canonical_url_on_the_production_docs_domain(
        build, site_dir, sandbox_site_dir, site_url):
    site = site_dir if build == "production" else sandbox_site_dir
    for path, canonicals in _canonicals(site).items():
        assert canonicals == [urljoin(site_url, path.lstrip("/"))], path
    assert "docs.sandbox" not in (site / "sitemap.xml").read_text(encoding="utf-8")


def test_the_sandbox_build_changes_nothing_about_canonicals_sitemap_or_llms_txt(
        site_dir, sandbox_site_dir):
    assert _canonicals(site_dir) == _canonicals(sandbox_site_dir)
    assert _sitemap_locs(site_dir) == _sitemap_locs(sandbox_site_dir)
    for name in ("llms.txt", "llms-full.txt", "openapi.json", ".htaccess", "sitemap.xml"):
        assert (site_dir / name).read_bytes() == (sandbox_site_dir / name).read_bytes(), name


def test_the_sandbox_build_is_not_for_indexing_and_the_production_build_is(
        site_dir, sandbox_site_dir, site_url):
    sandbox_pages = site_pages(sandbox_site_dir)
    production_pages = site_pages(site_dir)
    assert sandbox_pages.keys() == production_pages.keys()
    for path, page in sandbox_pages.items():
        assert page.robots == ["noindex"], path
        assert production_pages[path].robots == [], path
    robots = RobotFileParser()
    robots.parse((sandbox_site_dir / "robots.txt").read_text(encoding="utf-8").splitlines())
    for agent in ("Googlebot", *AI_CRAWLERS):
        for path in ("/", "/sending/", "/llms.txt", "/sitemap.xml"):
            assert not robots.can_fetch(agent, urljoin(SANDBOX_DOCS_URL, path)), (agent, path)
    # The production build's robots.txt is the web root's, byte for byte.
    assert (site_dir / "robots.txt").read_bytes() == (ROOT / "robots.txt").read_bytes()


def test_a_build_for_the_production_host_is_the_production_build(tmp_path, site_url):
    site = tmp_path / "site"
    result = run_mkdocs_build(site, site_url)
    assert result.returncode == 0, result.stderr
    assert (site / "robots.txt").read_bytes() == (ROOT / "robots.txt").read_bytes()
    assert scan("/", (site / "index.html").read_text(encoding="utf-8")).robots == []


def test_a_build_url_served_under_another_path_is_refused(tmp_path):
    result = run_mkdocs_build(tmp_path / "site", "https://example.com/docs/")
    assert result.returncode != 0
    assert "DOCS_BUILD_URL" in result.stderr + result.stdout
    assert SANDBOX_DOCS_URL.endswith("/")


def test_the_404_page_is_not_canonical_and_not_indexed(site_dir):
    page = scan("/404.html", (site_dir / "404.html").read_text(encoding="utf-8"))
    assert page.canonicals == []
    assert page.robots == ["noindex"]
    assert "404 - Not found" in page.article_text
    # Served at any depth, so its own links are root-relative.
    assert all(link.startswith(("/", "#", "https://", "data:")) for link in page.links)


def test_the_sitemap_lists_exactly_the_canonical_urls(site_dir, sandbox_site_dir):
    for site in (site_dir, sandbox_site_dir):
        locs = _sitemap_locs(site)
        assert len(locs) == len(set(locs))
        canonicals = {c for found in _canonicals(site).values() for c in found}
        assert set(locs) == canonicals
        assert not any("404" in loc for loc in locs)


def test_internal_links_use_the_clean_trailing_slash_urls(pages, site_dir):
    for path, page in pages.items():
        for link in page.links:
            parts = urlsplit(link)
            if parts.scheme or link.startswith(("#", "data:", "mailto:")):
                continue
            assert not parts.path.endswith((".html", "/index")), f"{path}: {link}"
            target = urlsplit(urljoin(f"https://x{path}", link)).path
            file = site_dir / target.lstrip("/")
            if target.endswith("/"):
                assert (file / "index.html").is_file(), f"{path}: {link}"
            else:
                assert file.is_file(), f"{path}: {link}"


def test_robots_txt_welcomes_search_engines_and_ai_crawlers_and_names_the_sitemap(
        site_dir, site_url):
    text = (site_dir / "robots.txt").read_text(encoding="utf-8")
    parser = RobotFileParser()
    parser.parse(text.splitlines())
    for agent in ("Googlebot", "Bingbot", *AI_CRAWLERS):
        assert re.search(rf"^User-agent: {re.escape(agent)}$", text, re.M) or agent in (
            "Googlebot", "Bingbot")
        for path in ("/", "/errors/", "/llms.txt", "/reference/"):
            assert parser.can_fetch(agent, urljoin(site_url, path)), (agent, path)
    assert parser.site_maps() == [urljoin(site_url, "sitemap.xml")]


def test_llms_txt_indexes_every_page_by_its_canonical_url(site_dir, pages, site_url):
    text = (site_dir / "llms.txt").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0] == f"# {mkdocs_config()['site_name']}"
    assert lines[2] == f"> {mkdocs_config()['site_description']}"
    assert re.search(r"^## ", text, re.M)
    links = re.findall(r"^- \[[^\]]+\]\((\S+)\): \S", text, re.M)
    canonicals = {page.canonicals[0] for page in pages.values()}
    assert canonicals <= set(links)
    assert urljoin(site_url, "openapi.json") in links
    assert all(link.startswith(site_url) for link in links)


def test_the_build_fetches_nothing_and_loads_no_web_fonts(site_dir):
    config = mkdocs_config()
    assert config["plugins"] == ["search"]
    assert config["theme"]["font"] is False
    assert "fonts.googleapis.com" not in (site_dir / "index.html").read_text(encoding="utf-8")


def test_the_docs_domain_of_the_app_is_the_site_url(site_url):
    from app.config import Config

    assert Config.DOCS_PUBLIC_URL.rstrip("/") + "/" == site_url


def test_the_web_roots_files_are_at_the_top_of_the_repository(site_dir):
    for name in (".htaccess", "robots.txt", "sitemap.xml"):
        assert (ROOT / name).is_file(), name
    assert (site_dir / ".htaccess").read_bytes() == (ROOT / ".htaccess").read_bytes()


def test_the_committed_sitemap_is_the_one_a_fresh_build_writes(site_dir):
    fresh = (site_dir / "sitemap.xml").read_text(encoding="utf-8")
    committed = (ROOT / "sitemap.xml").read_text(encoding="utf-8")
    assert committed == fresh, "sitemap.xml is stale: run `make docs` and commit sitemap.xml"
    recipe = (ROOT / "Makefile").read_text(encoding="utf-8").split("\ndocs:", 1)[1]
    assert "cp site/sitemap.xml sitemap.xml" in recipe.split("\n\n", 1)[0]


def test_no_table_has_an_empty_header_cell(pages):
    for path, page in pages.items():
        for header in re.findall(r"<th[^>]*>(.*?)</th>", page.html, re.S):
            assert _text(header), f"{path}: an empty <th>"


def test_each_channel_guide_states_the_registrys_rules_and_covers_the_channel(pages, reference):
    assert {channel.api["name"] for channel in reference.channels} == set(docgen.CHANNEL_GUIDES)
    for channel in reference.channels:
        api = channel.api
        page = pages[f"/channels/{api['name']}/"]
        facts = page.section("at-a-glance")
        assert facts, api["name"]
        cells = [_text(cell) for cell in re.findall(r"<td>(.*?)</td>", facts, re.S)]
        values = dict(zip(cells[::2], cells[1::2], strict=True))
        assert values["channel"] == api["name"] and values["to"] == api["address"]
        assert values["delivery receipts"] == ("yes" if api["delivery_receipts"] else "no")
        assert values["read receipts"] == ("yes" if api["read_receipts"] else "no")
        assert values["bounces"] == ("yes" if api["bounces"] else "no")
        assert api["pricing"]["default"] in values[f"price ({api['pricing']['currency']})"]
        for field, limit in channel.limits.items():
            assert f"{field} at most {limit} characters" in values["length limits"]
        for anchor in ("receipts", "inbound", "the-gateway"):
            assert page.section(anchor), (api["name"], anchor)
