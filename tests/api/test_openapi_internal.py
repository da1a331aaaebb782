"""The admin UI's whole session on /api/internal (session cookie + CSRF token), every request
and response validated with `openapi-core` against the internal document: each operation of
the inbox and the console succeeds as documented, each meets the problems of its own that the
app can reach, and every operation meets every problem the pipeline documents for it. The
test fails when an operation, or a documented answer of one, goes unexercised."""

from __future__ import annotations

import threading
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import select, update

from app.cli.openapi import document
from app.extensions import db, redis_connection
from app.models import Partner, WebhookDelivery
from app.services import idempotency
from app.services.tenancy import keys
from jobs.worker import run_worker
from tests.api._openapi_session import UNKNOWN_ID, Session, concrete
from tests.api.test_internal import _open, _page_token, _sign_in, _user
from tests.factories import make_partner
from tests.helpers import set_config
from tests.jobs._webhooks import Receiver

PREFIX = "/api/internal"
# Never answered on purpose: the 500 handler has its own test (tests/api/test_http_basics.py).
UNREACHABLE = {"internal_error"}
# A body each operation accepts; ids are any well-formed id (the checks that use these bodies
# are decided before the handler looks anything up).
GOOD = {
    "/contacts/{id}": {"name": "Renamed"},
    "/conversations/{id}/assign": {"agent_id": "usr_01HNQX2P8Y9R3T4V5W6Z7A8B9C"},
    "/conversations/{id}/notes": {"body": "Called them back"},
    "/messages/send_and_confirm": {"conversation_id": UNKNOWN_ID, "text": "Hello"},
    "/keys": {"environment": "sandbox", "name": "ci"},
    "/keys/{id}/roll": {"overlap_hours": 1},
    "/team/invitations": {"email": "new@acme.example", "role": "agent"},
    "/team/{id}/role": {"role": "admin"},
    "/templates": {"name": "order_ready", "language": "en", "body": "Hi {{name}}"},
    "/canned_replies": {"title": "Thanks", "body": "Thank you for writing."},
    "/canned_replies/{id}": {"title": "Bye", "body": "Talk soon."},
    "/webhook_endpoints": {"url": "https://hooks.example.com/x"},
    "/webhook_endpoints/{id}": {"description": "orders"},
    "/webhook_endpoints/{id}/rotate": {"expires_in_hours": 1},
    "/webhook_endpoints/{id}/replay_failed": {"since": "2000-01-01"},
    "/wallet/exports": {},
}
REFUSED_URL = "http://10.0.0.1/hook"  # private: the SSRF check refuses it


@pytest.fixture
def desk(app, tenant, monkeypatch, httpserver, local, drain):
    """A partner admin's signed-in browser, the document's session, a webhook receiver."""
    set_config(monkeypatch, app, "INTERNAL_SEND_CONFIRM_SECONDS", 0)  # no worker runs here
    set_config(monkeypatch, app, "AUTH_FAILURE_RATE_LIMIT", 1_000_000)
    admin = _sign_in(app, "desk@acme.example",
                     _user(app, tenant.partner_id, role="admin", email="desk@acme.example"))
    with app.app_context():
        session = Session(admin.client, document("internal"))
    return SimpleNamespace(app=app, tenant=tenant, admin=admin, session=session, drain=drain,
                           receiver=Receiver(httpserver), monkeypatch=monkeypatch)


def post(desk, template, body=None, *, valid=True, headers=None, client=None, csrf=True,
         **ids):
    """POST an internal operation (`template` without the prefix) as the admin UI does."""
    sent = {"Idempotency-Key": str(uuid.uuid4()), **(headers or {})}
    if csrf:
        sent["X-CSRFToken"] = desk.admin.csrf_token
    kwargs = {"json": body} if body is not None else {}
    return desk.session.call("POST", PREFIX + concrete(template, ids),
                             operation=f"POST {PREFIX}{template}", valid_request=valid,
                             headers=sent, client=client, **kwargs)


def _status(desk, expected, template, body=None, **kwargs):
    response = post(desk, template, body, valid=expected < 400, **kwargs)
    assert response.status_code == expected, (template, response.json)
    return response


def _code(desk, code, template, body=None, **kwargs):
    response = post(desk, template, body, valid=False, **kwargs)
    assert response.json["code"] == code, (template, response.json)
    return response


def _inbox(desk):
    app, pid = desk.app, desk.tenant.partner_id
    conversation = _open(app, pid)
    contact = desk.tenant.live.get(f"/conversations/{conversation}").json["contact_id"]
    _status(desk, 200, "/conversations/{id}/assign", {"agent_id": desk.admin.user_id},
            id=conversation)
    _status(desk, 201, "/conversations/{id}/notes", GOOD["/conversations/{id}/notes"],
            id=conversation)
    _status(desk, 202, "/messages/send_and_confirm",
            {"conversation_id": conversation, "text": "Hello"})
    _status(desk, 200, "/contacts/{id}", {"name": "Renamed"}, id=contact)
    # The reply is still queued (no worker): erasing its contact waits for it.
    _code(desk, "conflict", "/contacts/{id}/erase", id=contact)
    quiet = desk.tenant.live.get(
        f"/conversations/{_open(app, pid, address='+15551230000')}").json["contact_id"]
    _status(desk, 200, "/contacts/{id}/erase", id=quiet)
    _status(desk, 200, "/conversations/{id}/close", id=conversation)
    _code(desk, "conflict", "/messages/send_and_confirm",
          {"conversation_id": conversation, "text": "Closed?"})
    _status(desk, 200, "/conversations/{id}/reopen", id=conversation)
    _status(desk, 200, "/conversations/{id}/close", id=conversation)
    _open(app, pid)  # the contact writes again: a new thread opens
    _code(desk, "conflict", "/conversations/{id}/reopen", id=conversation)


def _replies(desk):
    """The send's own problems: each a reply the composer can make."""
    app, pid, send = desk.app, desk.tenant.partner_id, "/messages/send_and_confirm"
    _code(desk, "not_found", send, {"conversation_id": UNKNOWN_ID, "text": "Hi"})
    sms = _open(app, pid, address="+15551230002")
    _code(desk, "text_too_long", send, {"conversation_id": sms, "text": "x" * 20_000})
    whatsapp = _open(app, pid, channel="whatsapp", address="+15551230003")
    template = _status(desk, 201, "/templates", GOOD["/templates"]).json["id"]
    _code(desk, "conflict", "/templates", GOOD["/templates"])
    for variables, code in (({}, "missing_template_variables"),
                            ({"name": "Ann", "extra": "1"}, "unknown_template_variables")):
        _code(desk, code, send, {"conversation_id": whatsapp, "template_id": template,
                                 "variables": variables})
    with app.app_context():
        poor = make_partner(name="Poor", balance="0", sandbox_balance="0").partner.id
    broke = _sign_in(app, "poor@poor.example", _user(app, poor, role="admin",
                                                     email="poor@poor.example"))
    _code(desk, "insufficient_funds", send, {"conversation_id": _open(app, poor), "text": "Hi"},
          client=broke.client, headers={"X-CSRFToken": broke.csrf_token}, csrf=False)
    _delivered_reply(desk)


def _delivered_reply(desk):
    """With a worker at hand the composer's send answers 200, the message sent."""
    app = desk.app
    desk.monkeypatch.setitem(app.config, "INTERNAL_SEND_CONFIRM_SECONDS", 3600)
    desk.admin.use_environment("sandbox")
    conversation = _open(app, desk.tenant.partner_id, environment="sandbox",
                         address="+15005550006")
    answers = []
    thread = threading.Thread(target=lambda: answers.append(post(
        desk, "/messages/send_and_confirm", {"conversation_id": conversation, "text": "Hi"})))
    thread.start()
    try:
        while thread.is_alive() and not _queued(app):
            thread.join(0.02)
        run_worker(app, list(app.config["RQ_QUEUES"]), burst=True)
    finally:
        thread.join(60)
    desk.admin.use_environment("live")
    desk.monkeypatch.setitem(app.config, "INTERNAL_SEND_CONFIRM_SECONDS", 0)
    assert answers[0].status_code == 200 and answers[0].json["status"] in ("sent", "delivered")


def _queued(app) -> int:
    from app.services.queue import get_queue

    with app.app_context():
        return get_queue("send").count


def _console(desk):
    app = desk.app
    key = _status(desk, 201, "/keys", GOOD["/keys"]).json["id"]
    _status(desk, 201, "/keys/{id}/roll", {"overlap_hours": 1}, id=key)
    _status(desk, 200, "/keys/{id}/revoke", id=key)
    member = _status(desk, 201, "/team/invitations", GOOD["/team/invitations"]).json["id"]
    _code(desk, "conflict", "/team/invitations", GOOD["/team/invitations"])
    me = desk.admin.user_id
    _code(desk, "conflict", "/team/{id}/role", {"role": "agent"}, id=me)  # the only admin
    _code(desk, "conflict", "/team/{id}/deactivate", id=me)
    _status(desk, 200, "/team/{id}/role", {"role": "admin"}, id=member)
    _status(desk, 200, "/team/{id}/deactivate", id=member)
    _status(desk, 200, "/team/{id}/reactivate", id=member)
    spare = _status(desk, 201, "/templates", {**GOOD["/templates"], "name": "spare"}).json["id"]
    _status(desk, 200, "/templates/{id}/delete", id=spare)
    _status(desk, 201, "/canned_replies", GOOD["/canned_replies"])
    _code(desk, "conflict", "/canned_replies", GOOD["/canned_replies"])
    reply = _status(desk, 201, "/canned_replies", GOOD["/canned_replies/{id}"]).json["id"]
    _code(desk, "conflict", "/canned_replies/{id}", GOOD["/canned_replies"], id=reply)
    _status(desk, 200, "/canned_replies/{id}", {"title": "Bye now", "body": "Soon."}, id=reply)
    _status(desk, 200, "/canned_replies/{id}/delete", id=reply)
    _status(desk, 202, "/wallet/exports", {})
    _webhooks(desk, app)


def _webhooks(desk, app):
    _code(desk, "invalid_webhook_url", "/webhook_endpoints", {"url": REFUSED_URL})
    hook = _status(desk, 201, "/webhook_endpoints", {"url": desk.receiver.url}).json["id"]
    _status(desk, 200, "/webhook_endpoints/{id}", {"description": "orders"}, id=hook)
    _code(desk, "invalid_webhook_url", "/webhook_endpoints/{id}", {"url": REFUSED_URL}, id=hook)
    _status(desk, 200, "/webhook_endpoints/{id}/rotate", {"expires_in_hours": 1}, id=hook)
    _status(desk, 202, "/webhook_endpoints/{id}/test", id=hook)
    with app.app_context():
        delivery = db.session.scalars(select(WebhookDelivery.id)).one()
    replay = "/webhook_endpoints/{id}/deliveries/{delivery_id}/replay"
    _code(desk, "conflict", replay, id=hook, delivery_id=delivery)  # still pending
    desk.drain()
    _status(desk, 202, replay, id=hook, delivery_id=delivery)
    since = GOOD["/webhook_endpoints/{id}/replay_failed"]
    _status(desk, 202, "/webhook_endpoints/{id}/replay_failed", since, id=hook)
    _status(desk, 200, "/webhook_endpoints/{id}", {"status": "disabled"}, id=hook)
    _code(desk, "conflict", "/webhook_endpoints/{id}/test", id=hook)
    _code(desk, "conflict", "/webhook_endpoints/{id}/replay_failed", since, id=hook)


def _pipeline(desk):
    """Every operation meets the problems the pipeline answers for it."""
    app, pid, user = desk.app, desk.tenant.partner_id, desk.admin.user_id
    with app.app_context():  # a key already used for another request, and one in flight
        idempotency.store(pid, "live", "used-before", "another request", 201, {}, b"{}",
                          scope=f"internal:{user}")
        db.session.commit()
        redis_connection.client.set(f"idem:{pid}:live:internal:{user}:busy", "x", ex=600)
    anonymous = app.test_client()  # signed out, with the login page's CSRF token
    signed_out = {"X-CSRFToken": _page_token(anonymous)}
    for _method, path, operation in desk.session.operations():
        template = path.removeprefix(PREFIX)
        body, ids = GOOD.get(template), dict.fromkeys(_names(template), UNKNOWN_ID)
        _code(desk, "invalid_token", template, body, client=anonymous, headers=signed_out,
              csrf=False, **ids)
        _code(desk, "forbidden", template, body, csrf=False, **ids)
        for header, code in (("with space", "invalid_idempotency_key"),
                             ("used-before", "idempotency_key_reused"),
                             ("busy", "idempotency_key_in_use")):
            _code(desk, code, template, body, headers={"Idempotency-Key": header}, **ids)
        for data, media, code in (("{", "application/json", "invalid_json"),
                                  ("x=1", "text/plain", "unsupported_media_type"),
                                  ("x" * (1024 * 1024 + 1), "application/json",
                                   "payload_too_large")):
            response = desk.session.call(
                "POST", PREFIX + concrete(template, ids), operation=f"POST {path}",
                valid_request=False, data=data, content_type=media,
                headers={"X-CSRFToken": desk.admin.csrf_token})
            assert response.json["code"] == code, (path, response.json)
        if body is None:
            _code(desk, "invalid_request", template, {"surely_not": 1}, **ids)
        else:
            _code(desk, "unknown_field", template, {**body, "surely_not": 1}, **ids)
            first = next(iter(_properties(desk, operation)))
            _code(desk, "invalid_field", template, {**body, first: [1]}, **ids)
            if operation["requestBody"]["required"]:
                _code(desk, "missing_field", template, {}, **ids)
        if ids:
            _code(desk, "not_found", template, body, **ids)
    with desk.admin.client.session_transaction() as cookie:
        cookie["environment"] = "nowhere"
    for _method, path, _operation in desk.session.operations():
        template = path.removeprefix(PREFIX)
        _code(desk, "invalid_request", template, GOOD.get(template),
              **dict.fromkeys(_names(template), UNKNOWN_ID))
    desk.admin.use_environment("live")
    with app.app_context():
        db.session.execute(update(Partner).where(Partner.id == pid).values(rate_limit_live=1))
        db.session.commit()
    for _method, path, _operation in desk.session.operations():
        template = path.removeprefix(PREFIX)
        ids = dict.fromkeys(_names(template), UNKNOWN_ID)
        refused = post(desk, template, GOOD.get(template), valid=False, **ids)
        if refused.status_code != 429:  # the window's one allowed call (a new window)
            refused = post(desk, template, GOOD.get(template), valid=False, **ids)
        assert refused.json["code"] == "rate_limited", (path, refused.json)
        assert int(refused.headers["Retry-After"]) >= 1


def _names(template: str) -> list[str]:
    return [part[1:-1] for part in template.split("/") if part.startswith("{")]


def _properties(desk, operation) -> dict:
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    name = schema["$ref"].rsplit("/", 1)[1]
    return desk.session.document["components"]["schemas"][name]["properties"]


def test_the_admin_uis_internal_session_matches_the_internal_document(desk):
    """Every /api/internal operation, and every answer it documents, met in one session."""
    _inbox(desk)
    _replies(desk)
    _console(desk)
    _pipeline(desk)
    assert desk.session.unexercised() == set()
    unmet = {}
    for method, path, operation in desk.session.operations():
        documented = {code for codes in operation["x-problem-codes"].values() for code in codes}
        documented |= {status for status in operation["responses"] if status < "300"}
        missing = documented - UNREACHABLE - desk.session.seen[f"{method} {path}"]
        if missing:
            unmet[f"{method} {path}"] = missing
    assert unmet == {}


def test_a_replayed_console_answer_matches_the_document(desk):
    """A double submit of a console form: the stored answer, documented, secret emptied."""
    headers = {"Idempotency-Key": "keys-form-1"}
    first = _status(desk, 201, "/keys", GOOD["/keys"], headers=headers)
    again = _status(desk, 201, "/keys", GOOD["/keys"], headers=headers)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["id"] == first.json["id"] and again.json["key"] is None
    with desk.app.app_context():
        assert keys.find(first.json["key"]).id == first.json["id"]
