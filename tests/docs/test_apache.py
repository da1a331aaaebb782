"""The built site on a real Apache httpd with its `.htaccess`: clean URLs, redirects, 404s.

A private httpd is started from a minimal generated configuration (a free port on
127.0.0.1, everything else in a temporary folder, `AllowOverride All` on the site), so the
rules tested are exactly the ones shipped in site_assets/.htaccess. Skipped only where
Apache is not installed outside CI; in CI (`CI=true`) a missing Apache fails the test.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.docs.htmlscan import scan
from tests.helpers import free_port

pytestmark = pytest.mark.slow

MODULE_DIRS = ("/usr/lib/apache2/modules", "/usr/lib64/httpd/modules", "/usr/lib/httpd/modules",
               "/usr/libexec/apache2")
MODULES = {"mpm_event_module": "mod_mpm_event.so", "authz_core_module": "mod_authz_core.so",
           "mime_module": "mod_mime.so", "dir_module": "mod_dir.so",
           "rewrite_module": "mod_rewrite.so"}
PAGE = "sending"  # any hand-written page


def _apache_binary() -> str | None:
    for name in ("apache2", "httpd"):
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
        if found:
            return found
    return None


def _config(run_dir: Path, site: Path, port: int) -> str:
    modules_dir = next((d for d in MODULE_DIRS if Path(d, "mod_rewrite.so").is_file()), None)
    if modules_dir is None:
        pytest.fail(f"Apache is installed but mod_rewrite.so is in none of {MODULE_DIRS}")
    loads = "\n".join(f"LoadModule {name} {modules_dir}/{file}"
                      for name, file in MODULES.items() if Path(modules_dir, file).is_file())
    user = ""
    if os.geteuid() == 0:  # httpd refuses to serve as root: its workers become this user
        account = "www-data" if _exists("www-data") else "nobody"
        user = f"User {account}\nGroup {'www-data' if account == 'www-data' else 'nogroup'}"
    types = "TypesConfig /etc/mime.types" if Path("/etc/mime.types").is_file() else ""
    return f"""
ServerRoot "{run_dir}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile "{run_dir}/httpd.pid"
DefaultRuntimeDir "{run_dir}"
ErrorLog "{run_dir}/error.log"
LogLevel warn
{loads}
{types}
{user}
DocumentRoot "{site}"
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "{site}">
    AllowOverride All
    Require all granted
</Directory>
"""


def _exists(account: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(account)
    except KeyError:
        return False
    return True


@pytest.fixture(scope="module")
def apache(site_dir):
    """The base URL of a private httpd serving the production build."""
    binary = _apache_binary()
    if binary is None:
        message = ("Apache httpd is not installed (apt-get install -y --no-install-recommends "
                   "apache2)")
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message + "; CI must run this test")
        pytest.skip(message)
    run_dir = Path(tempfile.mkdtemp(prefix="switchboard-httpd-"))
    run_dir.chmod(0o755)
    port = free_port()
    conf = run_dir / "httpd.conf"
    conf.write_text(_config(run_dir, site_dir, port), encoding="utf-8")
    check = subprocess.run([binary, "-t", "-f", str(conf)], capture_output=True, text=True,
                           check=False)
    assert check.returncode == 0, check.stderr
    process = subprocess.Popen([binary, "-f", str(conf), "-DFOREGROUND"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(base + "/robots.txt", timeout=1)
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    log = (run_dir / "error.log").read_text(errors="replace") \
                        if (run_dir / "error.log").exists() else ""
                    pytest.fail(f"httpd did not start: {process.stdout.read()!r} {log}")
                time.sleep(0.1)
        yield base
    finally:
        # Stop the httpd we started (its process group: the parent and its workers).
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        shutil.rmtree(run_dir, ignore_errors=True)


@pytest.fixture
def http(apache):
    with httpx.Client(base_url=apache, follow_redirects=False, timeout=10) as client:
        yield client


def _location(response: httpx.Response) -> str:
    """The redirect target as path[?query][#fragment], whatever the host it names."""
    parts = urlsplit(response.headers["location"])
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    return target + (f"#{parts.fragment}" if parts.fragment else "")


def test_clean_urls_answer_200_with_the_page(http, site_url):
    for path in ("/", f"/{PAGE}/", "/errors/", "/api-reference/", "/events/"):
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
