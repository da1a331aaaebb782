"""MkDocs build hooks: copy the web-server files that MkDocs itself skips (dotfiles)."""

from __future__ import annotations

import shutil
from pathlib import Path

HERE = Path(__file__).parent


def on_post_build(config, **_kwargs):
    """Put `.htaccess` and `robots.txt` at the root of the built site."""
    site = Path(config["site_dir"])
    for name in (".htaccess", "robots.txt"):
        shutil.copyfile(HERE / name, site / name)
