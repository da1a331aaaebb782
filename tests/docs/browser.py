"""The built site served over HTTP for the session's Chromium (tests/browser.py)."""

from __future__ import annotations

import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.browser import CHROMIUM_ARGS, chromium_path  # noqa: F401 - used by docs tests


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *_args):
        pass


def serve(folder: Path):
    """Serve `folder` on a free port of 127.0.0.1; returns (base URL, stop function)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(folder)))
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def stop():
        server.shutdown()
        server.server_close()

    return f"http://127.0.0.1:{server.server_address[1]}", stop


@pytest.fixture(scope="session")
def browser(chromium):
    """The session's Chromium (tests/browser.py)."""
    return chromium
