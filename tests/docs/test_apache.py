"""The built site on a real Apache httpd with the web root's `.htaccess`.

Clean URLs, redirects, 404s, compression, cache lifetimes, and the application's paths
proxied to a stand-in app (a small HTTP server on a free port that answers what it was
asked). A private httpd is started from a minimal generated configuration (a free port on
127.0.0.1, everything else in a temporary folder, `AllowOverride All` on the site), so the
rules tested are exactly the ones of the repository's `.htaccess`. Skipped only where
Apache is not installed outside CI; in CI (`CI=true`) a missing Apache fails the test.
"""

from __future__ import annotations

import gzip
import json
from urllib.parse import urlsplit

import httpx
import pytest

from tests.docs.conftest import ROOT
from tests.docs.htmlscan import scan
from tests.docs.httpd import apache, running_httpd, stand_in_app  # noqa: F401
from tests.helpers import free_port

pytestmark = pytest.mark.slow

PAGE = "sending"  # any hand-written page


@pytest.fixture
def http(apache):  # noqa: F811 - the fixture
    with httpx.Client(base_url=apache, follow_redirects=False, timeout=10) as client:
        yield client


def _location(response: httpx.Response) -> str:
    """The redirect target as path[?query][#fragment], whatever the host it names."""
    parts = urlsplit(response.headers["location"])
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return target + (f"#{parts.fragment}" if parts.fragment else "")


def test_clean_urls_answer_200_with_the_page(http, site_url):
    for path in ("/", f"/{PAGE}/", "/errors/", "/reference/", "/reference/messages/",
                 "/channels/", "/channels/whatsapp/", "/events/"):
        response = http.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-type"].startswith("text/html")
        page = scan(path, response.text)
        assert page.canonicals == [site_url.rstrip("/") + path]


@pytest.mark.parametrize(("requested", "clean"), [
    (f"/{PAGE}.html", f"/{PAGE}/"),
    (f"/{PAGE}/index.html", f"/{PAGE}/"),
    ("/index.html", "/"),
    (f"/{PAGE}", f"/{PAGE}/"),
    (f"/{PAGE}.html?utm_source=x", f"/{PAGE}/?utm_source=x"),
    ("/errors/index.html", "/errors/"),
    ("/channels/whatsapp.html", "/channels/whatsapp/"),
    ("/reference/messages/index.html", "/reference/messages/"),
    ("/api-reference/", "/reference/"),
    ("/api-reference", "/reference/"),
])
def test_other_spellings_of_a_page_redirect_permanently_to_its_clean_url(http, requested, clean):
    response = http.get(requested)
    assert response.status_code == 301, requested
    assert _location(response) == clean


def test_every_problem_type_url_redirects_to_its_anchor_on_the_errors_page(http, app):
    from app.errors import registry, type_url

    errors_page = scan("/errors/", http.get("/errors/").text)
    with app.app_context():
        for code in registry():
            path = urlsplit(type_url(code)).path
            response = http.get(path)
            assert response.status_code == 301, path
            slug = path.removeprefix("/errors/")
            assert _location(response) == f"/errors/#{slug}"
            assert slug in errors_page.ids


def test_an_unknown_url_answers_the_404_page_with_status_404(http):
    for path in ("/no-such-page/", "/no/such/deep/page", "/errors/not_a_slug!"):
        response = http.get(path)
        assert response.status_code == 404, path
        assert response.headers["content-type"].startswith("text/html")
        assert "404 - Not found" in response.text
    # Its stylesheets load from any depth.
    page = scan("/404.html", http.get("/no/such/deep/page").text)
    stylesheets = [link for link in page.links if link.endswith(".css")]
    assert stylesheets
    for link in stylesheets:
        assert http.get(link).status_code == 200


def test_a_pages_assets_load_through_its_relative_links(http):
    page = scan(f"/{PAGE}/", http.get(f"/{PAGE}/").text)
    assets = [link for link in page.links if link.endswith((".css", ".js"))]
    assert assets
    for link in assets:
        response = http.get(httpx.URL(f"/{PAGE}/").join(link))
        assert response.status_code == 200, link


@pytest.mark.parametrize(("path", "content_type"), [
    ("/robots.txt", "text/plain"),
    ("/llms.txt", "text/plain"),
    ("/sitemap.xml", ("application/xml", "text/xml")),
    ("/openapi.json", "application/json"),
])
def test_crawler_files_are_served_with_their_content_types(http, path, content_type):
    response = http.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(content_type)
    if path == "/openapi.json":
        assert json.loads(response.content)["openapi"].startswith("3.1")
    if path.endswith(".txt"):
        assert "charset=utf-8" in response.headers["content-type"].lower()


def test_the_htaccess_itself_is_not_served(http):
    assert http.get("/.htaccess").status_code in (403, 404)


def test_the_site_serves_the_web_roots_own_htaccess_and_robots_txt(site_dir, http):
    assert (site_dir / ".htaccess").read_bytes() == (ROOT / ".htaccess").read_bytes()
    assert http.get("/robots.txt").content == (ROOT / "robots.txt").read_bytes()


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/api/v1/messages?dry_run=1"),
    ("GET", "/api/mobile/conversations"),
    ("GET", "/api/internal/partners"),
    ("GET", "/admin/"),
    ("GET", "/admin/messages?status=failed"),
    ("POST", "/hooks/twilio"),
    ("GET", "/evaluation"),
    ("POST", "/evaluation"),
])
def test_the_apps_paths_are_proxied_to_the_app_as_requested(http, method, path):
    response = http.request(method, path, content=b'{"to": "+15005550006"}',
                            headers={"Authorization": "Bearer ak_test_x",
                                     "Content-Type": "application/json"})
    assert response.status_code == (201 if method == "POST" else 200), path
    received = response.json()
    assert (received["method"], received["path"]) == (method, path)
    assert received["headers"]["Authorization"] == "Bearer ak_test_x"
    assert received["body"] == '{"to": "+15005550006"}'
    assert received["headers"]["X-Forwarded-For"] == "127.0.0.1"
    # The app's own caching decision stands.
    assert response.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("path", ["/apiary/", "/administration", "/hooks-guide/", "/evaluations"])
def test_only_the_apps_own_paths_are_proxied(http, path):
    response = http.get(path)
    assert response.status_code == 404
    assert "404 - Not found" in response.text


def test_text_is_compressed_and_images_are_not(http, site_dir):
    for path in (f"/{PAGE}/", "/sitemap.xml", "/llms.txt", "/openapi.json"):
        response = http.get(path, headers={"Accept-Encoding": "gzip"})
        assert response.headers.get("content-encoding") == "gzip", path
        raw = http.get(path, headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in raw.headers
        assert response.content == raw.content  # httpx decoded the gzip body
    css = next(site_dir.glob("assets/stylesheets/main.*.min.css")).relative_to(site_dir)
    assert http.get(f"/{css}", headers={"Accept-Encoding": "gzip"}).headers[
        "content-encoding"] == "gzip"
    card = http.get("/assets/switchboard-card.png", headers={"Accept-Encoding": "gzip"})
    assert card.status_code == 200
    assert "content-encoding" not in card.headers
    assert gzip.decompress(http.get("/sitemap.xml.gz").content).startswith(b"<?xml")


def _max_age(response: httpx.Response) -> int:
    directives = [d.strip() for d in response.headers["cache-control"].split(",")]
    return int(next(d for d in directives if d.startswith("max-age=")).split("=")[1])


def test_fingerprinted_assets_are_cached_for_a_year_and_pages_briefly(http, site_dir):
    fingerprinted = [*site_dir.glob("assets/stylesheets/main.*.min.css"),
                     *site_dir.glob("assets/javascripts/bundle.*.min.js")]
    assert len(fingerprinted) == 2
    for file in fingerprinted:
        response = http.get("/" + file.relative_to(site_dir).as_posix())
        assert _max_age(response) == 365 * 24 * 3600
        assert "immutable" in response.headers["cache-control"]
    for path in ("/", f"/{PAGE}/", "/sitemap.xml", "/robots.txt", "/llms.txt"):
        response = http.get(path)
        assert _max_age(response) <= 3600, path
        assert "immutable" not in response.headers["cache-control"]
    logo = http.get("/assets/switchboard-logo.svg")
    assert logo.headers["content-type"].startswith("image/svg+xml")
    assert 3600 <= _max_age(logo) <= 7 * 24 * 3600


def test_the_apis_paths_answer_problem_json_when_the_app_is_down(site_dir):
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there: gunicorn is down
    with running_httpd(site_dir, dead) as base, httpx.Client(base_url=base, timeout=10) as client:
        for method, path in (("POST", "/api/v1/messages"), ("GET", "/api/mobile/conversations"),
                             ("POST", "/hooks/gw_01HNQX2P8Y9R3T4V5W6Z7A8B9C")):
            response = client.request(method, path)
            assert response.status_code == 503, path
            assert response.headers["content-type"].startswith("application/problem+json")
            problem = response.json()
            assert (problem["status"], problem["code"]) == (503, "service_unavailable")
            assert problem["type"].endswith("/errors/service-unavailable")
            assert response.headers["cache-control"] == "no-store"
            assert int(response.headers["retry-after"]) > 0
        # The docs themselves are still served.
        assert client.get("/sending/").status_code == 200
