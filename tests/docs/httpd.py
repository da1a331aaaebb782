"""A private Apache httpd serving a built site with the web root's `.htaccess`, and a
stand-in for the app's gunicorn behind it (a small HTTP server on a free port that answers
what it was asked, as JSON).

The httpd runs from a minimal generated configuration (a free port on 127.0.0.1, everything
else in a temporary folder, `AllowOverride All` on the site), so the rules exercised are
exactly the repository's. Skipped only where Apache is not installed outside CI; in CI
(`CI=true`) a missing Apache fails the test.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from tests.helpers import free_port

MODULE_DIRS = ("/usr/lib/apache2/modules", "/usr/lib64/httpd/modules", "/usr/lib/httpd/modules",
               "/usr/libexec/apache2")
MODULES = {"mpm_event_module": "mod_mpm_event.so", "authz_core_module": "mod_authz_core.so",
           "mime_module": "mod_mime.so", "dir_module": "mod_dir.so",
           "rewrite_module": "mod_rewrite.so", "proxy_module": "mod_proxy.so",
           "proxy_http_module": "mod_proxy_http.so", "headers_module": "mod_headers.so",
           "filter_module": "mod_filter.so", "deflate_module": "mod_deflate.so"}


def _apache_binary() -> str | None:
    for name in ("apache2", "httpd"):
        found = shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")
        if found:
            return found
    return None


def _config(run_dir: Path, site: Path, port: int, app_url: str) -> str:
    modules_dir = next((d for d in MODULE_DIRS if Path(d, "mod_rewrite.so").is_file()), None)
    if modules_dir is None:
        pytest.fail(f"Apache is installed but mod_rewrite.so is in none of {MODULE_DIRS}")
    missing = [file for file in MODULES.values() if not Path(modules_dir, file).is_file()]
    assert not missing, f"Apache modules missing from {modules_dir}: {missing}"
    loads = "\n".join(f"LoadModule {name} {modules_dir}/{file}" for name, file in MODULES.items())
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
Define SWITCHBOARD_APP {app_url}
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


class _StandIn(BaseHTTPRequestHandler):
    """The app's stand-in: answers every request with what it received, as JSON."""

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = json.dumps({"method": self.command, "path": self.path,
                           "headers": dict(self.headers.items()),
                           "body": self.rfile.read(length).decode()}).encode()
        self.send_response(201 if self.command == "POST" else 200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PATCH = do_DELETE = _answer

    def log_message(self, *_args):
        pass


@pytest.fixture(scope="module")
def stand_in_app():
    """The base URL of an HTTP server standing in for the app's gunicorn."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _StandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@contextmanager
def running_httpd(site: Path, app_url: str):
    """A private httpd serving `site` with the app at `app_url`; yields its base URL."""
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
    conf.write_text(_config(run_dir, site, port, app_url), encoding="utf-8")
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


@pytest.fixture(scope="module")
def apache(site_dir, stand_in_app):
    """The base URL of a private httpd serving the production build, the stand-in app behind."""
    with running_httpd(site_dir, stand_in_app) as base:
        yield base
