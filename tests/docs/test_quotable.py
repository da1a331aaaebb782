"""Each page is quotable by people, search engines and AI tools: its description, its cards,
its structured data, its dates, its anchors, and the site's llms files."""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

from site_assets import seo
from tests.docs.conftest import ROOT
from tests.docs.htmlscan import site_pages

pytestmark = pytest.mark.slow

SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


@pytest.fixture(scope="module")
def pages(site_dir):
    return site_pages(site_dir)


def _title(page) -> str:
    """The page's <h1> as text, without its permalink sign."""
    return next(text for level, _anchor, text in page.headings if level == 1)


def _source(path: str) -> str:
    """The Markdown source of a page, from its clean URL path."""
    name = path.strip("/") or "index"
    file = ROOT / "docs" / f"{name}.md"
    return f"{name}.md" if file.is_file() else f"{name}/index.md"


def test_every_description_is_whole_sentences_within_160_characters(pages):
    for path, page in pages.items():
        [description] = page.meta["description"]
        assert len(description) <= 160, path
        assert description.endswith((".", "!", "?")), path
        assert "…" not in description, path
        assert page.meta["og:description"] == page.meta["twitter:description"] == [description]
    descriptions = [page.meta["description"][0] for page in pages.values()]
    assert len(set(descriptions)) == len(descriptions), "two pages share a description"


def test_the_description_rule_keeps_whole_sentences_and_refuses_what_it_cannot_cut():
    text = ("Switchboard sends messages. " + "It has eleven channels and one endpoint. " * 3
            + "And it has a sandbox too.")
    assert len(text.strip()) > 160
    kept = seo.describe(text)
    assert kept == "Switchboard sends messages. " + " ".join(
        ["It has eleven channels and one endpoint."] * 3)
    with pytest.raises(seo.DescriptionError):
        seo.describe("A run-on phrase " * 20)
    with pytest.raises(seo.DescriptionError):
        seo.describe("A list of things:")


def test_every_page_has_open_graph_and_twitter_cards_naming_its_canonical_url(pages, site_dir):
    for path, page in pages.items():
        [canonical] = page.canonicals
        assert page.meta["og:url"] == [canonical], path
        assert page.meta["og:type"] == ["website" if path == "/" else "article"], path
        assert page.meta["og:title"] == page.meta["twitter:title"], path
        if path != "/":
            assert page.meta["og:title"] == [_title(page)], path
        assert page.meta["twitter:card"] == ["summary_large_image"]
        [image] = page.meta["og:image"]
        assert image == page.meta["twitter:image"][0]
        assert (site_dir / image.split("docs.switchboard.example/", 1)[1]).is_file()


def test_every_page_has_tech_article_and_breadcrumb_json_ld(pages):
    for path, page in pages.items():
        [text] = page.json_ld
        graph = {node["@type"]: node for node in json.loads(text)["@graph"]}
        article, crumbs = graph["TechArticle"], graph["BreadcrumbList"]
        [canonical] = page.canonicals
        assert article["url"] == canonical, path
        assert article["description"] == page.meta["description"][0]
        assert article["dateModified"] == page.meta["article:modified_time"][0]
        items = crumbs["itemListElement"]
        assert [item["position"] for item in items] == list(range(1, len(items) + 1))
        assert items[0]["item"] == "https://docs.switchboard.example/"
        assert items[-1]["item"] == canonical, path
        assert article["headline"] == _title(page)
        if path != "/":
            title = re.search(r"<title>(.*?)</title>", page.html).group(1)
            assert title.startswith(items[-1]["name"] + " - "), path
            assert len(items) >= 2


def _git_date(source: str) -> str:
    return subprocess.run(["git", "log", "-1", "--format=%ad", "--date=short", "--",  # noqa: S607
                           f"docs/{source}"], cwd=ROOT, capture_output=True, text=True,
                          check=True).stdout.strip()


def test_sitemap_lastmod_is_the_date_of_the_sources_last_commit(site_dir, pages):
    tree = ET.parse(site_dir / "sitemap.xml")
    dates = {url.findtext("sm:loc", namespaces=SITEMAP_NS):
             url.findtext("sm:lastmod", namespaces=SITEMAP_NS)
             for url in tree.getroot().iterfind("sm:url", SITEMAP_NS)}
    for path, page in pages.items():
        expected = _git_date(_source(path))
        assert expected, f"{path}: its source has no commit yet"
        assert dates[page.canonicals[0]] == expected, path
        assert page.meta["article:modified_time"] == [expected], path


def test_headings_have_stable_anchors_with_a_permalink(pages):
    for path, page in pages.items():
        for level, anchor, text in page.headings:
            assert anchor, f"{path}: <h{level}> {text} has no id"
            assert not re.search(r"_\d+$", anchor), f"{path}: #{anchor} depends on its position"
            assert f'href="#{anchor}"' in page.html, f"{path}: #{anchor} has no permalink"
        anchors = [anchor for _level, anchor, _text in page.headings]
        assert len(anchors) == len(set(anchors)), path


def test_llms_full_txt_holds_every_page_whole(site_dir, pages):
    text = (site_dir / "llms-full.txt").read_text(encoding="utf-8")
    llms = (site_dir / "llms.txt").read_text(encoding="utf-8")
    assert "llms-full.txt" in llms
    for path, page in pages.items():
        [canonical] = page.canonicals
        assert f"Source: {canonical}\n" in text, path
        assert f"# {_title(page)}" in text, path
    # Generated sections are in it too, not their markers.
    assert "<!-- api-reference" not in text
    assert "insufficient_funds" in text
    assert text.count("\n---\n") == len(pages)
    # Its links stand on their own: absolute URLs, not the sources' relative .md paths.
    assert "](https://docs.switchboard.example/channels/#addresses)" in text
    assert not re.search(r"\]\((?![a-z]+:|#)[^)\s]*\.md\b", text)
