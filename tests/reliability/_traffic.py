"""Traffic for the reliability tests, played by clients that behave as careful partners do.

A send carries a new Idempotency-Key and, after a connection error, a 5xx, a 409 or a 429,
is retried with the same key until it is answered; some 202s are deliberately sent again
with their key. Providers' callbacks are signed inbound SMS on a Twilio gateway, retried
until answered 200. Every answer is tallied, so the checks can tell what was accepted and
whether anything answered 500.

Each kind of call is one method of `Traffic`, chosen by weight from `Traffic.mix`: a new kind
is one method and one entry in `MIXES`. Batch sends (`POST /api/v1/messages/batch`) tally
each accepted message under `<Idempotency-Key>#<index>`.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
from standardwebhooks.webhooks import Webhook

from tests.channels.gateways import _signing

TWILIO_ACCOUNT = "AC" + "c" * 32
TWILIO_TOKEN = "chaos-twilio-auth-token"  # noqa: S105 - a fake provider's token
TWILIO_NUMBER = "+15550002222"
# Sandbox magic recipients and their weights: delivered; permanent failure (refund); one
# transient failure, then delivered; delivered, then an inbound reply.
RECIPIENTS = (("+15005550006", 6), ("+15005550001", 1), ("+15005550003", 1),
              ("+15005550009", 1))
# Operation -> weight. The chaos run is write-heavy; the soak mixes reads and inbox polls in.
MIXES = {
    "chaos": {"send": 5, "batch": 1, "inbound": 2, "read": 1},
    "soak": {"send": 3, "read": 3, "poll": 3, "inbound": 1},
}
RETRYABLE = (409, 429, 500, 502, 503, 504)


@dataclass
class Tally:
    """What the clients saw."""

    statuses: Counter = field(default_factory=Counter)
    transport_errors: int = 0
    accepted: dict[str, str] = field(default_factory=dict)  # Idempotency-Key -> message id
    replays: int = 0
    inbound_sids: set[str] = field(default_factory=set)
    # 5xx or 429 answers that are not 503/429 problem+json (with Retry-After on a 429).
    bad_answers: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)  # answers no retry could explain
    gave_up: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def requests(self) -> int:
        return sum(self.statuses.values()) + self.transport_errors


class Traffic:
    """The partner's and the provider's side of the conversation with the platform."""

    def __init__(self, base: str, setup: dict, seed: int, mix: str, patience: float = 90):
        self.base = base
        self.setup = setup
        self.mix = MIXES[mix]
        self.seed = seed
        self.patience = patience
        self.tally = Tally()
        self.etags: dict[int, str] = {}

    def run(self, clients: int, until: float, pace: float = 0.0) -> None:
        """`clients` threads, each calling until the monotonic time `until`, at most one
        call per `pace` seconds each (0: back to back)."""
        threads = [threading.Thread(target=self._client, args=(n, until, pace))
                   for n in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def _client(self, number: int, until: float, pace: float) -> None:
        rng = random.Random(f"{self.seed}-client-{number}")
        names, weights = zip(*self.mix.items(), strict=True)
        with httpx.Client(base_url=self.base, timeout=20) as client:
            next_call = time.monotonic()
            while time.monotonic() < until:
                getattr(self, rng.choices(names, weights)[0])(client, rng, number)
                next_call += pace
                time.sleep(max(0.0, next_call - time.monotonic()))

    # The calls. Each gets the client's connection, its random stream and its number.

    def send(self, client: httpx.Client, rng: random.Random, _number: int) -> None:
        to = rng.choices(*zip(*RECIPIENTS, strict=True))[0]
        key = f"chaos-{rng.getrandbits(64):016x}"
        headers = {**self._sandbox(), "Idempotency-Key": key}
        body = {"channel": "sms", "to": to, "text": f"chaos {key}"}
        answer = self._call(client, "POST", "/api/v1/messages", (202,), json=body,
                            headers=headers)
        if answer is None:
            return
        with self.tally.lock:
            self.tally.accepted[key] = answer.json()["id"]
        if rng.random() < 0.1:  # the client never saw the answer, and sends it again
            again = self._call(client, "POST", "/api/v1/messages", (202,), json=body,
                               headers=headers)
            if again is not None:
                if again.json()["id"] != answer.json()["id"]:
                    self._unexpected(f"replay of {key} answered another message")
                with self.tally.lock:
                    self.tally.replays += 1

    def batch(self, client: httpx.Client, rng: random.Random, _number: int) -> None:
        """A batch of 2-8 SMS under one Idempotency-Key; each accepted item is one message."""
        key = f"chaos-batch-{rng.getrandbits(64):016x}"
        headers = {**self._sandbox(), "Idempotency-Key": key}
        body = {"messages": [
            {"channel": "sms", "to": rng.choices(*zip(*RECIPIENTS, strict=True))[0],
             "text": f"chaos {key} #{index}"} for index in range(rng.randint(2, 8))]}
        answer = self._call(client, "POST", "/api/v1/messages/batch", (207,), json=body,
                            headers=headers)
        if answer is None:
            return
        ids = {f"{key}#{item['index']}": item["message"]["id"]
               for item in answer.json()["data"] if item["status"] == 202}
        if len(ids) != len(body["messages"]):
            self._unexpected(f"batch {key} refused items: {answer.text[:300]}")
        with self.tally.lock:
            self.tally.accepted.update(ids)
        if rng.random() < 0.1:  # sent again with its key: the same messages, none new
            again = self._call(client, "POST", "/api/v1/messages/batch", (207,), json=body,
                               headers=headers)
            if again is not None:
                if again.content != answer.content:
                    self._unexpected(f"replay of batch {key} answered differently")
                with self.tally.lock:
                    self.tally.replays += 1

    def inbound(self, client: httpx.Client, rng: random.Random, _number: int) -> None:
        sid = f"SM{rng.getrandbits(128):032x}"
        params = {"MessageSid": sid, "AccountSid": TWILIO_ACCOUNT, "To": TWILIO_NUMBER,
                  "From": f"+1555{rng.randrange(10**7):07d}", "Body": f"inbound {sid}"}
        path = f"/hooks/{self.setup['twilio_gateway']}"
        signature = _signing.twilio(TWILIO_TOKEN, self.base + path, params)
        if self._call(client, "POST", path, (200,), data=params,
                      headers={"X-Twilio-Signature": signature}) is not None:
            with self.tally.lock:
                self.tally.inbound_sids.add(sid)

    def read(self, client: httpx.Client, rng: random.Random, _number: int) -> None:
        with self.tally.lock:
            ids = list(self.tally.accepted.values())
        if ids:
            self._call(client, "GET", f"/api/v1/messages/{rng.choice(ids)}", (200,),
                       headers=self._sandbox())
        else:
            self._call(client, "GET", "/api/v1/messages?limit=10", (200,),
                       headers=self._sandbox())

    def poll(self, client: httpx.Client, _rng: random.Random, number: int) -> None:
        """An agent's phone polling its inbox with the previous ETag (200 or 304)."""
        headers = {"Authorization": f"Bearer {self.setup['agent_token']}"}
        if number in self.etags:
            headers["If-None-Match"] = self.etags[number]
        answer = self._call(client, "GET", "/api/mobile/conversations?limit=20", (200, 304),
                            headers=headers)
        if answer is not None and answer.headers.get("ETag"):
            self.etags[number] = answer.headers["ETag"]

    # How a careful client calls.

    def _sandbox(self) -> dict:
        return {"Authorization": f"Bearer {self.setup['sandbox_key']}"}

    def _call(self, client: httpx.Client, method: str, path: str, expect: tuple[int, ...],
              **kwargs) -> httpx.Response | None:
        """One logical call, retried (same headers, so the same Idempotency-Key) while the
        platform answers that it is unavailable or busy; None if it never succeeded."""
        deadline = time.monotonic() + self.patience
        delay = 0.1
        while time.monotonic() < deadline:
            try:
                answer = client.request(method, path, **kwargs)
            except httpx.TransportError:
                with self.tally.lock:
                    self.tally.transport_errors += 1
                time.sleep(delay)
                delay = min(delay * 2, 1.0)
                continue
            with self.tally.lock:
                self.tally.statuses[answer.status_code] += 1
            self._check_refusal(method, path, answer)
            if answer.status_code in expect:
                return answer
            if answer.status_code not in RETRYABLE:
                self._unexpected(f"{method} {path}: {answer.status_code} {answer.text[:300]}")
                return None
            retry_after = answer.headers.get("Retry-After", "")
            time.sleep(min(float(retry_after), 1.0) if retry_after.isdigit() else delay)
            delay = min(delay * 2, 1.0)
        with self.tally.lock:
            self.tally.gave_up.append(f"{method} {path}")
        return None

    def _check_refusal(self, method: str, path: str, answer: httpx.Response) -> None:
        """A 5xx must be a 503 problem+json `service_unavailable`, a 429 one `rate_limited`,
        each saying when to retry (Retry-After)."""
        status = answer.status_code
        if status < 500 and status != 429:
            return
        problem = answer.headers.get("Content-Type", "").startswith("application/problem+json")
        code = answer.json().get("code") if problem else None
        fine = "Retry-After" in answer.headers and (
            (status == 503 and code == "service_unavailable")
            or (status == 429 and code == "rate_limited"))
        if not fine:
            with self.tally.lock:
                self.tally.bad_answers.append(f"{method} {path}: {status} {answer.text[:300]}")

    def _unexpected(self, what: str) -> None:
        with self.tally.lock:
            self.tally.unexpected.append(what)


class Receiver:
    """Partners' webhook endpoints on one local server: verifies every delivery with its
    endpoint's secret and records (path, webhook-id, envelope id, type); answers 503 to a
    share of them, so retries happen too."""

    def __init__(self, seed: int, failure_rate: float = 0.05):
        self.secrets: dict[str, str] = {}
        self.received: list[tuple[str, str, str, str]] = []
        self.refused = 0
        self.invalid: list[str] = []
        self.rng = random.Random(f"{seed}-receiver")
        self.failure_rate = failure_rate
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server protocol
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                self.send_response(receiver.handle(self.path, body, dict(self.headers)))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def handle(self, path: str, body: bytes, headers: dict) -> int:
        lowered = {name.lower(): value for name, value in headers.items()}
        try:
            envelope = Webhook(self.secrets[path]).verify(body, lowered)
        except Exception as error:  # noqa: BLE001 - any failure to verify is recorded
            with self.lock:
                self.invalid.append(f"{path}: {error!r} {body[:200]!r}")
            return 400
        with self.lock:
            if self.rng.random() < self.failure_rate:
                self.refused += 1
                return 503
            self.received.append((path, lowered["webhook-id"], envelope["id"],
                                  envelope["type"]))
        return 200

    def add_endpoint(self, client: httpx.Client, key: str, path: str,
                     event_types: list[str]) -> dict:
        """Create a partner's endpoint at `path` of this receiver through the API."""
        answer = client.post("/api/v1/webhook_endpoints",
                             headers={"Authorization": f"Bearer {key}"},
                             json={"url": self.url + path, "event_types": event_types})
        assert answer.status_code == 201, answer.text
        self.secrets[path] = answer.json()["secret"]
        return answer.json()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def summary(tally: Tally) -> str:
    """The clients' figures on one line."""
    return (f"requests={tally.requests} statuses={dict(sorted(tally.statuses.items()))} "
            f"transport_errors={tally.transport_errors} accepted={len(tally.accepted)} "
            f"replays={tally.replays} inbound={len(tally.inbound_sids)}")


def dumps(value) -> str:
    """A JSON rendering short enough for an assertion message: counts and first examples."""
    if isinstance(value, dict):
        value = {key: {"count": len(found), "first": found[:5]} if isinstance(found, list)
                 else found for key, found in value.items()}
    elif isinstance(value, list):
        value = {"count": len(value), "first": value[:5]}
    return json.dumps(value, indent=1, default=str)[:4000]
