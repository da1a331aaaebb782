"""Generate clients/python from the /api/v1 OpenAPI document with openapi-python-client.

`make client` runs this. Offline: the document comes from the code (`flask openapi v1`) and
the generator is a pinned dev dependency. Any warning from the generator is an error: a
document the generator cannot type completely is a bug in the document.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CONFIG = ROOT / "clients" / "python-config.yaml"
TARGET = ROOT / "clients" / "python"


def generate(output: Path) -> str:
    """Write the client into `output` (replaced); return the generator's output."""
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "SWITCHBOARD_ENV": os.environ.get("SWITCHBOARD_ENV", "development")}
    with tempfile.TemporaryDirectory() as tmp:
        document = Path(tmp) / "openapi.json"
        subprocess.run([str(BIN / "flask"), "--app", "wsgi", "openapi", "v1",  # noqa: S603
                        "--output", str(document)], cwd=ROOT, env=env, check=True)
        run = subprocess.run([  # noqa: S603 - our own venv's tools and paths
                              str(BIN / "openapi-python-client"), "generate", "--path",
                              str(document), "--output-path", str(output), "--overwrite",
                              "--config", str(CONFIG)],
                             cwd=tmp, env=env, capture_output=True, text=True)
    report = run.stdout + run.stderr
    if run.returncode != 0 or "warning" in report.lower() or "error" in report.lower():
        raise RuntimeError(f"openapi-python-client failed or warned:\n{report}")
    return report


if __name__ == "__main__":
    print(generate(Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET).strip())
