"""Every `curl` sample of the docs that calls `/api/v1` runs against the app, as written.

The samples of a page run in order, as a reader would type them, as a funded test partner:
`ak_test_...` is its sandbox key, `ak_live_...` and `$SWITCHBOARD_KEY` its live key. Example
ids (`con_01HNQX...`, `msg_...`) are replaced by real ones: learned from the response a
page documents after an earlier sample (the `"id"` it shows is the object that sample
created), otherwise seeded (a contact, a conversation, an agent, ...) before the call. A
status the page states right after a sample (`HTTP/1.1 202 Accepted`, "`201 Created`
answers ...") must be the status; otherwise any 2xx. Members of a documented JSON response
must exist in the real one.
"""

from __future__ import annotations

import json
import re
import shlex
import sys
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from tests.docs.conftest import ROOT
from tests.factories import make_user

DOCS = ROOT / "docs"
MIN_SAMPLES = 12  # the docs must keep showing (and this test keep running) real calls
FENCE = re.compile(r"^```([\w-]*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
ID = re.compile(r"\b([a-z]+)_(?:[0-7][0-9A-HJKMNP-TV-Z]{25}\b|\.\.\.|…)")
KEYS = {"ak_test_...": "sandbox", "ak_test_…": "sandbox", "ak_live_...": "live",
        "ak_live_…": "live", "${SWITCHBOARD_KEY}": "live", "$SWITCHBOARD_KEY": "live"}
STATUS_LINE = re.compile(r"HTTP/\d(?:\.\d)? (\d{3})")
STATUS_PHRASE = re.compile(r"`(\d{3}) ([A-Z][A-Za-z -]+)`")
FLAGS = {"-s", "--silent", "-S", "--show-error", "-i", "--include", "-f", "--fail",
         "--fail-with-body", "-L", "--location", "-sS"}


@dataclass
class Sample:
    page: str
    line: int
    command: str
    region: str  # the prose and examples after the sample, to the next sample or heading

    def __str__(self) -> str:
        return f"{self.page}:{self.line}"

    def documented_status(self) -> int | None:
        """The status the page states for this call, if it states one."""
        found = []
        for match in STATUS_LINE.finditer(self.region):
            found.append((match.start(), int(match.group(1))))
        for match in STATUS_PHRASE.finditer(self.region):
            code = int(match.group(1))
            if code in HTTPStatus._value2member_map_ and \
                    HTTPStatus(code).phrase.startswith(match.group(2).split(" ")[0]):
                found.append((match.start(), code))
        return min(found)[1] if found else None

    def documented_json(self):
        """The response the page shows right after the sample, if it shows one as JSON.

        Right after: nothing in between but an `http` status block and at most one
        paragraph leading into it ("... answers with the message:").
        """
        for match in FENCE.finditer(self.region):
            if match.group(1) != "json":
                continue
            between = FENCE.sub("", self.region[:match.start()])
            paragraphs = [p for p in re.split(r"\n\s*\n", between.strip()) if p.strip()]
            if len(paragraphs) > 1 or (paragraphs and not paragraphs[0].rstrip().endswith(":")):
                return None
            try:
                return json.loads(match.group(2))
            except ValueError:
                return None
        return None


def _fences(text: str) -> list[re.Match]:
    return list(FENCE.finditer(text))


def _region(text: str, start: int, fences: list[re.Match]) -> str:
    """From `start` to the next shell sample or heading outside a code block."""
    end = len(text)
    for fence in fences:
        if fence.start() >= start and fence.group(1) in ("sh", "bash", "shell"):
            end = min(end, fence.start())
            break
    for heading in re.finditer(r"^#{1,6} ", text[start:end], re.M):
        position = start + heading.start()
        if not any(f.start() <= position < f.end() for f in fences):
            end = position
            break
    return text[start:end]


def extract(path: Path) -> list[Sample]:
    """The page's curl commands that call `/api/v1`, in page order."""
    text = path.read_text(encoding="utf-8")
    fences = _fences(text)
    samples = []
    for fence in fences:
        if fence.group(1) not in ("sh", "bash", "shell"):
            continue
        commands = re.split(r"^(?=\s*curl\b)", fence.group(2).replace("\\\n", " "), flags=re.M)
        first = True
        for command in commands:
            if not command.strip().startswith("curl") or "/api/v1" not in command:
                continue
            line = text.count("\n", 0, fence.start()) + 2
            region = _region(text, fence.end(), fences) if first else ""
            samples.append(Sample(path.relative_to(DOCS).as_posix(), line, command.strip(),
                                  region))
            first = False
    return samples


def all_samples() -> list[Sample]:
    return [sample for page in sorted(DOCS.rglob("*.md")) for sample in extract(page)]


@dataclass
class Call:
    method: str
    path: str  # with the query string
    headers: dict[str, str]
    body: str | None


def parse_curl(command: str) -> Call:
    """Method, path, headers and body of a curl command line, as curl would send them."""
    tokens = shlex.split(command)
    assert tokens[0] == "curl"
    method, url, headers, body = None, None, {}, None
    tokens = iter(tokens[1:])
    for token in tokens:
        if token in ("-X", "--request"):
            method = next(tokens)
        elif token in ("-H", "--header"):
            name, _, value = next(tokens).partition(":")
            headers[name.strip()] = value.strip()
        elif token in ("-d", "--data", "--data-raw", "--data-binary"):
            body = next(tokens)
        elif token in FLAGS:
            continue
        elif token.startswith("-"):
            raise AssertionError(f"the sample uses a curl option this test does not know: {token}")
        else:
            url = token
    assert url, "no URL"
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    return Call(method or ("POST" if body is not None else "GET"), path, headers, body)


def _learn(documented, actual, ids: dict[str, str]) -> None:
    """Map the example ids of a documented response to the real ids at the same places."""
    if isinstance(documented, dict) and isinstance(actual, dict):
        for key, value in documented.items():
            if key in actual:
                _learn(value, actual[key], ids)
    elif isinstance(documented, list) and isinstance(actual, list):
        for doc_item, real_item in zip(documented, actual, strict=False):
            _learn(doc_item, real_item, ids)
    elif isinstance(documented, str) and isinstance(actual, str) and ID.fullmatch(documented) \
            and actual.startswith(documented.split("_")[0] + "_"):
        ids.setdefault(documented, actual)


class Seeder:
    """Real objects to stand in for the example ids of the docs, one per example id."""

    def __init__(self, app, tenant):
        self.app = app
        self.tenant = tenant
        self.count = 0

    def client(self, environment: str):
        return self.tenant.live if environment == "live" else self.tenant.sandbox

    def _ok(self, response):
        assert response.status_code < 300, response.get_data(as_text=True)
        return response.json

    def _message(self, environment: str) -> dict:
        self.count += 1
        return self._ok(self.client(environment).post("/messages", json={
            "channel": "sms", "to": f"+1555123{self.count:04d}", "text": "Seeded"}))

    def seed(self, prefix: str, environment: str) -> str:
        from app.extensions import db
        from app.models import Event

        api = self.client(environment)
        if prefix == "con":
            return self._ok(api.post("/contacts", json={}))["id"]
        if prefix == "cnv":
            return self._message(environment)["conversation_id"]
        if prefix == "msg":
            return self._message(environment)["id"]
        if prefix == "tpl":
            self.count += 1
            return self._ok(api.post("/templates", json={
                "name": f"seeded_{self.count}", "language": "en", "channel": "whatsapp",
                "body": "Hi {{name}}."}))["id"]
        if prefix == "txn":
            return self.seed_transaction(environment)
        if prefix == "usr":
            with self.app.app_context():
                self.count += 1
                return make_user("agent", self.tenant.partner_id,
                                 email=f"agent{self.count}@docs.example").id
        if prefix == "we":  # an IP literal: the SSRF check needs no DNS
            return self._ok(api.post("/webhook_endpoints", json={
                "url": "https://93.184.215.14/hooks/switchboard"}))["id"]
        if prefix == "gw":
            return self._ok(api.get("/gateways"))["data"][0]["id"]
        if prefix == "evt":
            conversation = self.seed("cnv", environment)
            agent = self.seed("usr", environment)
            self._ok(api.post(f"/conversations/{conversation}/assign", json={"agent_id": agent}))
            with self.app.app_context():
                event = db.session.scalars(select(Event).where(
                    Event.partner_id == self.tenant.partner_id,
                    Event.environment == environment).order_by(Event.id.desc())).first()
                return event.id
        raise AssertionError(f"no way to seed an example id `{prefix}_...`: add one to Seeder")

    def seed_transaction(self, environment: str) -> str:
        message = self._message(environment)
        listed = self._ok(self.client(environment).get(
            f"/wallet/transactions?message_id={message['id']}"))
        return listed["data"][0]["id"]


def _environment(call: Call) -> str:
    authorization = call.headers.get("Authorization", "")
    for placeholder, environment in KEYS.items():
        if placeholder in authorization:
            return environment
    raise AssertionError(f"unknown key in `Authorization: {authorization}`: use ak_test_..., "
                         "ak_live_... or $SWITCHBOARD_KEY")


def run_page(samples: list[Sample], app, tenant) -> int:
    """Run a page's samples in order; return how many ran."""
    client = app.test_client()
    seeder = Seeder(app, tenant)
    ids: dict[str, str] = {}
    keys = {"live": tenant.live.key, "sandbox": tenant.sandbox.key}
    for sample in samples:
        call = parse_curl(sample.command)
        assert call.path.startswith("/api/v1/"), f"{sample}: {call.path}"
        environment = _environment(call)
        text = " ".join([call.path, call.body or "", *call.headers.values()])
        for example in dict.fromkeys(match.group(0) for match in ID.finditer(text)):
            if example not in ids:
                ids[example] = seeder.seed(example.split("_")[0], environment)

        def real(value: str, environment=environment) -> str:
            for placeholder in KEYS:
                value = value.replace(placeholder, keys[environment])
            return ID.sub(lambda m: ids[m.group(0)], value)

        response = client.open(real(call.path), method=call.method,
                               headers={name: real(v) for name, v in call.headers.items()},
                               data=real(call.body).encode() if call.body is not None else None)
        body = response.get_data(as_text=True)
        expected = sample.documented_status()
        if expected is not None:
            assert response.status_code == expected, f"{sample}: {response.status_code} {body}"
        else:
            assert 200 <= response.status_code < 300, f"{sample}: {response.status_code} {body}"
        documented = sample.documented_json()
        actual = response.json if response.is_json else None
        if isinstance(documented, dict) and isinstance(actual, dict):
            missing = [key for key in documented if key != "..." and key not in actual]
            assert not missing, f"{sample}: the documented response has {missing}, the API not"
        _learn(documented, actual, ids)
    return len(samples)


SAMPLES = all_samples()
# Getting started is run in bash, as a reader runs it (its own test below).
PAGES = sorted({sample.page for sample in SAMPLES} - {"getting-started.md"})


@pytest.mark.parametrize("page", PAGES)
def test_the_pages_curl_samples_run_against_the_api_as_documented(page, app, tenant):
    samples = [sample for sample in SAMPLES if sample.page == page]
    assert run_page(samples, app, tenant) == len(samples)


def test_the_docs_keep_enough_executable_samples():
    assert len(SAMPLES) >= MIN_SAMPLES, [str(s) for s in SAMPLES]
    for sample in SAMPLES:  # every one is understood (the page tests run them all)
        parse_curl(sample.command)


def test_every_channel_guide_and_resource_reference_page_has_an_executed_example():
    from site_assets import docgen

    pages = set(PAGES)
    for name in docgen.CHANNEL_GUIDES:
        assert f"channels/{name}.md" in pages, name
    for page, (surface, _tags) in docgen.RESOURCES.items():
        if surface == "v1":
            assert page in pages, page
    for page in ("index.md", "quickstart-curl.md", "idempotency.md", "sandbox-cookbook.md",
                 "moving-from-twilio.md", "batch-sending.md"):
        assert page in pages, page


def test_the_sample_reader_finds_status_and_response_after_a_sample():
    page = DOCS / "quickstart-curl.md"
    samples = extract(page)
    send = next(s for s in samples if "/messages" in s.command and "-d" in s.command)
    assert send.documented_status() == 202
    assert send.documented_json()["object"] == "message"
    call = parse_curl(send.command)
    assert (call.method, call.path) == ("POST", "/api/v1/messages")
    assert call.headers["Idempotency-Key"] and json.loads(call.body)["channel"] == "sms"


def test_the_mobile_reference_pages_sign_in_example_runs_as_documented(app, tenant):
    """The mobile API's example (not under /api/v1) signs in the agent it names."""
    [fence] = [m for m in FENCE.finditer((DOCS / "reference" / "mobile.md").read_text(
        encoding="utf-8")) if m.group(1) == "sh"]
    call = parse_curl(fence.group(2).replace("\\\n", " "))
    credentials = json.loads(call.body)
    with app.app_context():
        make_user("agent", tenant.partner_id, email=credentials["email"],
                  password=credentials["password"])
    response = app.test_client().open(call.path, method=call.method, headers=call.headers,
                                      data=call.body.encode())
    assert response.status_code == 200, response.get_data(as_text=True)
    sample = extract(DOCS / "reference" / "mobile.md")
    assert sample == []  # not an /api/v1 call: run here instead
    text = (DOCS / "reference" / "mobile.md").read_text(encoding="utf-8")
    documented = json.loads(next(m.group(2) for m in FENCE.finditer(text)
                                 if m.group(1) == "json"))
    assert set(documented) <= set(response.json)
    assert response.json["environment"] == credentials["environment"] == "sandbox"


# --- getting started, run in bash exactly as written -----------------------------------------

GETTING_STARTED = DOCS / "getting-started.md"
# The two lines a reader fills in from what `make run` printed (tests/e2e/test_make_run.py
# proves `make run` itself); every other character of the page's shell blocks runs as is.
READER_FILLS_IN = ("export SWITCHBOARD_URL=http://127.0.0.1:5000",
                   "export SWITCHBOARD_KEY=ak_test_...")
@pytest.mark.slow
def test_getting_started_runs_in_bash_exactly_as_written(app, live_server, tmp_path):
    import subprocess

    from app.services.tenancy import demo
    from tests.docs._walkthrough import compare, shell_blocks, split_response

    with app.app_context():
        key = demo.seed().sandbox_key
    text = GETTING_STARTED.read_text(encoding="utf-8")
    blocks = shell_blocks(text)
    script = "set -euo pipefail\n"
    for index, (code, _region_text) in enumerate(blocks):
        script += code + f"\necho; echo '@@block {index}@@'\n"
    for line, value in zip(READER_FILLS_IN, (f"export SWITCHBOARD_URL={live_server}",
                                             f"export SWITCHBOARD_KEY={key}"), strict=True):
        assert script.count(line) == 1, line
        script = script.replace(line, value)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "LANG": "C.UTF-8"}
    run = subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=180)
    assert run.returncode == 0, run.stdout + run.stderr
    outputs = re.split(r"\n?@@block \d+@@\n", run.stdout)
    checked = 0
    for index, (code, region) in enumerate(blocks):
        sample = Sample("getting-started.md", index, code, region)
        status, headers, body = split_response(outputs[index].strip("\n"))
        expected = sample.documented_status()
        if status is not None and expected is not None:
            assert status == expected, f"block {index}: {status}"
        for fence in FENCE.finditer(region):
            if fence.group(1) == "http":  # the headers it shows are sent
                for line in fence.group(2).splitlines()[1:]:
                    assert line.split(":")[0] in headers, f"block {index}: {line}"
        fence = next((f for f in FENCE.finditer(region) if f.group(1) == "json"), None)
        if fence is not None:
            # "shortened" in the paragraph that leads into the JSON marks it as a part.
            lead = FENCE.split(region[:fence.start()])[-1]
            assert isinstance(body, dict), f"block {index}: {outputs[index]!r}"
            documented = json.loads(fence.group(2))
            assert ('"..."' in fence.group(2)) == ("shortened" in lead), \
                f"block {index}: a part of a response is said to be shortened, and only then"
            compare(documented, body, f"block {index}")
            checked += 1
    assert checked >= 5
    assert re.search(r"^msg_[0-7][0-9A-HJKMNP-TV-Z]{25}$", outputs[blocks.index(next(
        b for b in blocks if "MESSAGE_ID=$(" in b[0]))].strip(), re.M)

    [python] = [m.group(2) for m in _fences(text) if m.group(1) == "python"]
    program = tmp_path / "getting_started.py"
    program.write_text(python, encoding="utf-8")
    ran = subprocess.run(
        [sys.executable, str(program)], cwd=tmp_path, capture_output=True, text=True,
        timeout=120, env={**env, "SWITCHBOARD_URL": live_server, "SWITCHBOARD_KEY": key,
                          "PYTHONPATH": str(ROOT / "clients" / "python")})
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.strip().splitlines()[-1] == "invalid_phone_number to"
