"""Every Python and Node.js program in the docs runs, as written, against the app.

A program is a fenced `python` or `js` block with a `title="file"`; untitled blocks are
fragments. Each runs in its own process (`python`, `node`) against the app served on a
free port, with `SWITCHBOARD_API_URL` and `SWITCHBOARD_KEY` (the test partner's sandbox
key) in its environment, and must exit 0. When the page shows its output (a `text` block
right after it), the program prints exactly that, up to the ids.

A program that defines a webhook verifier (`verify_webhook` in Python, an exported
`verifyWebhook` in Node.js) or a Flask receiver (`app` with POST /switchboard) is run
against deliveries signed by Switchboard's own signer instead: a good one, a changed body,
a wrong secret, a stale timestamp, and one signed with an old and a new secret.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.docs.conftest import ROOT

DOCS = ROOT / "docs"
FENCE = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```[ \t]*$", re.M | re.S)
ID = re.compile(r"\b[a-z]+_[0-7][0-9A-HJKMNP-TV-Z]{25}\b")
LANGUAGES = {"python": ".py", "js": ".mjs"}
SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
OLD_SECRET = "whsec_c2VjcmV0IGJlZm9yZSB0aGUgcm90YXRpb24="
CASES = ["valid", "changed body", "wrong secret", "stale timestamp", "rotation"]
EXPECTED = {"valid": "ok", "changed body": "refused", "wrong secret": "refused",
            "stale timestamp": "refused", "rotation": "ok"}


@dataclass
class Program:
    page: str
    language: str
    title: str
    code: str
    output: str | None

    def __str__(self) -> str:
        return f"{self.page}:{self.title}"


def programs() -> list[Program]:
    found = []
    for path in sorted(DOCS.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        fences = list(FENCE.finditer(text))
        for index, fence in enumerate(fences):
            language, info, code = fence.groups()
            title = re.search(r'title="([^"]+)"', info)
            if language not in LANGUAGES or not title:
                continue
            output = None
            following = fences[index + 1] if index + 1 < len(fences) else None
            if following and following.group(1) == "text" and \
                    text[fence.end():following.start()].strip().endswith(":"):
                output = following.group(3)
            found.append(Program(path.relative_to(DOCS).as_posix(), language, title.group(1),
                                 code, output))
    return found


PROGRAMS = programs()


def _deliveries() -> list[dict]:
    """The delivery cases, signed by the code that signs real deliveries."""
    from app.services.webhooks.sender import signed_headers

    body = json.dumps({"id": "evt_01HNQX2P8Y9R3T4V5W6Z7A8B9K", "type": "message.delivered",
                       "created_at": "2026-05-23T14:22:19Z", "environment": "sandbox",
                       "data": {"id": "msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C", "status": "delivered"}},
                      separators=(",", ":"))
    event_id = "evt_01HNQX2P8Y9R3T4V5W6Z7A8B9K"
    good = signed_headers(event_id, body, [SECRET])
    stale = signed_headers(event_id, body, [SECRET],
                           now=datetime.now(UTC) - timedelta(minutes=10))
    rotation = signed_headers(event_id, body, [OLD_SECRET, SECRET])
    return [
        {"case": "valid", "headers": good, "body": body},
        {"case": "changed body", "headers": good, "body": body.replace("delivered", "failed")},
        {"case": "wrong secret", "headers": signed_headers(event_id, body, [OLD_SECRET]),
         "body": body},
        {"case": "stale timestamp", "headers": stale, "body": body},
        {"case": "rotation", "headers": rotation, "body": body},
    ]


PY_VERIFIER = """
import json as _json, os as _os
for _case in _json.load(open(_os.environ["DELIVERIES"])):
    try:
        _event = verify_webhook(_os.environ["SECRET"], dict(_case["headers"]),
                                _case["body"].encode())
        print(_case["case"], "ok" if _event["id"] == _case["headers"]["webhook-id"] else "wrong")
    except Exception:
        print(_case["case"], "refused")
"""
PY_RECEIVER = """
import json as _json, os as _os
_client = app.test_client()
for _case in _json.load(open(_os.environ["DELIVERIES"])):
    _status = _client.post("/switchboard", data=_case["body"].encode(),
                           headers=_case["headers"]).status_code
    print(_case["case"], {204: "ok", 400: "refused"}.get(_status, _status))
"""
JS_VERIFIER = """
import { readFileSync as __read } from "node:fs";
for (const c of JSON.parse(__read(process.env.DELIVERIES, "utf8"))) {
  try {
    const event = verifyWebhook(process.env.SECRET, c.headers, Buffer.from(c.body));
    console.log(c.case, event.id === c.headers["webhook-id"] ? "ok" : "wrong");
  } catch (error) {
    console.log(c.case, "refused");
  }
}
"""


def _kind(program: Program) -> str:
    if program.language == "python" and re.search(r"^def verify_webhook\(", program.code, re.M):
        return "verifier"
    if program.language == "python" and re.search(r"^app = Flask\(", program.code, re.M):
        return "receiver"
    if program.language == "js" and "export function verifyWebhook(" in program.code:
        return "verifier"
    return "program"


@pytest.fixture(scope="module")
def served_app(app):
    """The app on a free port of 127.0.0.1, for programs in other processes."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def _run(program: Program, code: str, env: dict, tmp_path: Path) -> str:
    file = tmp_path / f"program{LANGUAGES[program.language]}"
    file.write_text(code, encoding="utf-8")
    if program.language == "python":
        command = [sys.executable, str(file)]
    else:
        node = shutil.which("node")
        assert node, "node is not installed"
        command = [node, str(file)]
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60,  # noqa: S603
                            check=False, cwd=tmp_path)
    assert result.returncode == 0, f"{program}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _normal(text: str) -> list[str]:
    return [ID.sub(lambda m: m.group(0).split("_")[0] + "_ID", line.rstrip())
            for line in text.strip().splitlines()]


@pytest.mark.slow
@pytest.mark.parametrize("program", PROGRAMS, ids=str)
def test_the_docs_program_runs_as_documented(program, served_app, tenant, tmp_path):
    import os

    env = {key: value for key, value in os.environ.items() if not key.startswith("SWITCHBOARD_")}
    env |= {"SWITCHBOARD_API_URL": served_app, "SWITCHBOARD_KEY": tenant.sandbox.key,
            "SECRET": SECRET, "SWITCHBOARD_WEBHOOK_SECRET": SECRET,
            # The generated client, as `pip install ./clients/python` would provide it.
            "PYTHONPATH": str(ROOT / "clients" / "python")}
    kind = _kind(program)
    if kind == "program":
        output = _run(program, program.code, env, tmp_path)
        if program.output is not None:
            assert _normal(output) == _normal(program.output), program
        return
    deliveries = tmp_path / "deliveries.json"
    deliveries.write_text(json.dumps(_deliveries()), encoding="utf-8")
    env["DELIVERIES"] = str(deliveries)
    harness = {"python": PY_RECEIVER if kind == "receiver" else PY_VERIFIER,
               "js": JS_VERIFIER}[program.language]
    output = _run(program, program.code + "\n" + harness, env, tmp_path)
    outcomes = dict(line.rsplit(" ", 1) for line in output.strip().splitlines()
                    if line.rsplit(" ", 1)[0] in CASES)
    assert outcomes == EXPECTED, f"{program}: {output}"


def test_the_docs_keep_their_programs_in_both_languages():
    kinds = {(p.language, _kind(p)) for p in PROGRAMS}
    assert {("python", "program"), ("js", "program"), ("python", "verifier"),
            ("js", "verifier"), ("python", "receiver")} <= kinds
    assert {p.page for p in PROGRAMS} >= {"quickstart-python.md", "quickstart-node.md",
                                          "webhook-verification.md"}
