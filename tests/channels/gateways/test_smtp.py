"""A live email gateway speaking SMTP, against a real local SMTP server (aiosmtpd).

The server offers STARTTLS with a certificate made for the test and requires AUTH, so the
production path (verified TLS, then login, then one MIME message) is what runs. Bounce
notices arrive through `/hooks/<gateway_id>` signed with the gateway's webhook secret.
"""

from __future__ import annotations

import email
import ipaddress
import json
import ssl
from datetime import UTC, datetime, timedelta
from email import policy
from functools import partial

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from sqlalchemy import select

from app.channels.gateways import InvalidSignature
from app.channels.gateways.smtp import SmtpAdapter
from app.extensions import db
from app.models import Event, Message, MessageEvent
from app.services.messaging import gateways
from tests.channels.gateways import _signing
from tests.helpers import free_port, gateway_config, outbound

USER, PASSWORD, SECRET = "relay-user", "relay-pass", "bounce-hook-secret"
SENDER = "Acme <notify@acme.example.com>"


# --- a real SMTP server --------------------------------------------------------------------


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory):
    """A self-signed certificate for 127.0.0.1, which the test trusts through `ca_file`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "switchboard-test-smtp")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name)
        .public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5)).not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([
            x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()),
                       critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()),
                       critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("smtp-tls")
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return str(cert_path), str(key_path)


class Mailbox:
    """An aiosmtpd handler that keeps what it accepts and answers scripted replies."""

    def __init__(self):
        self.received: list[dict] = []
        self.rcpt_replies: list[str] = []  # popped per RCPT; empty: 250
        self.data_replies: list[str] = []  # popped per DATA; empty: 250 and keep the mail

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_replies:
            return self.rcpt_replies.pop(0)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_replies:
            return self.data_replies.pop(0)
        self.received.append({
            "mail_from": envelope.mail_from, "rcpt_tos": list(envelope.rcpt_tos),
            "message": email.message_from_bytes(envelope.original_content,
                                                policy=policy.default),
            "tls": session.ssl is not None, "authenticated": bool(session.authenticated),
            "login": getattr(session.auth_data, "login", None)})
        return "250 2.0.0 Message accepted for delivery"


def _authenticate(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
    # handled=False: aiosmtpd answers a failure with its own 535.
    return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)


def _serve(handler, **kwargs):
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller


@pytest.fixture
def mailbox(tls_files):
    """A STARTTLS-only, AUTH-required SMTP server on 127.0.0.1."""
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*tls_files)
    handler = Mailbox()
    controller = _serve(handler, tls_context=context, require_starttls=True,
                        auth_required=True, authenticator=_authenticate)
    handler.url = f"smtp://127.0.0.1:{controller.port}"
    yield handler
    controller.stop()


@pytest.fixture
def plain_mailbox():
    """An SMTP server without TLS or AUTH (a development relay such as Mailpit)."""
    handler = Mailbox()
    controller = _serve(handler)
    handler.url = f"smtp://127.0.0.1:{controller.port}"
    yield handler
    controller.stop()


@pytest.fixture
def smtp_gateway(app, tenant, mailbox, tls_files):
    """A partner-owned live email gateway pointed at the local server."""
    with app.app_context():
        gateway = gateways.add_gateway(
            "email", "smtp", "Relay (local)", partner_id=tenant.partner_id, environment="live",
            base_url=mailbox.url,
            credentials={"username": USER, "password": PASSWORD, "webhook_secret": SECRET},
            settings={"from": SENDER, "ca_file": tls_files[0]})
        return gateway.id


# This module's gateway and send: the shared builders with SMTP values.
_config = partial(gateway_config, "smtp", channel="email",
                  credentials={"username": USER, "password": PASSWORD, "webhook_secret": SECRET},
                  settings={"from": SENDER})
_outbound = partial(outbound, "email", to="ana@example.com", text="Your receipt is attached.",
                    subject="Receipt #42")


def _send_email(tenant, **extra):
    body = {"channel": "email", "to": "ana@example.com", "subject": "Receipt #42",
            "text": "Your receipt is attached.", **extra}
    sent = tenant.live.post("/messages", json=body)
    assert sent.status_code == 202, sent.json
    return sent.json["id"]


def _notice(client, gateway_id, payload, secret=SECRET, header=None, timestamp=None):
    body = json.dumps(payload).encode()
    headers = {"Content-Type": "application/json"}
    if header is not None:
        headers.update(_signing.switchboard("unused", body))
        headers["X-Switchboard-Signature"] = header
    elif secret is not None:
        headers.update(_signing.switchboard(secret, body, timestamp))
    return client.post(f"/hooks/{gateway_id}", data=body, headers=headers)


def _message(app, message_id) -> Message:
    with app.app_context():
        message = db.session.get(Message, message_id)
        db.session.expunge(message)
        return message


# --- sending -------------------------------------------------------------------------------


def test_live_email_goes_over_verified_starttls_with_auth_and_its_own_message_id(
        app, tenant, smtp_gateway, mailbox, drain):
    message_id = _send_email(tenant)
    drain()
    assert len(mailbox.received) == 1
    got = mailbox.received[0]
    assert got["tls"] and got["authenticated"] and got["login"] == USER.encode()
    assert got["mail_from"] == "notify@acme.example.com"
    assert got["rcpt_tos"] == ["ana@example.com"]
    mime = got["message"]
    assert mime["From"] == SENDER and mime["To"] == "ana@example.com"
    assert mime["Subject"] == "Receipt #42"
    assert mime["Message-ID"] == f"<{message_id}@acme.example.com>"
    assert mime.get_content_type() == "text/plain"
    assert mime.get_content().strip() == "Your receipt is attached."
    message = _message(app, message_id)
    assert message.status == "sent" and message.gateway_id == smtp_gateway
    assert message.provider_message_id == f"<{message_id}@acme.example.com>"


def test_text_and_html_go_as_alternatives_and_a_partner_from_is_the_header_sender(
        app_ctx, mailbox, tls_files):
    result = SmtpAdapter().send(
        _outbound(html="<p>Your receipt</p>", from_="Billing <billing@acme.example.com>"),
        _config(mailbox.url, ca_file=tls_files[0], message_id_domain="mail.acme.test"))
    assert result.accepted
    assert result.provider_message_id == "<msg_01HNQX2P8Y9R3T4V5W6Z7A8B9C@mail.acme.test>"
    mime = mailbox.received[0]["message"]
    assert mime.get_content_type() == "multipart/alternative"
    parts = {part.get_content_type(): part.get_content().strip() for part in mime.iter_parts()}
    assert parts == {"text/plain": "Your receipt is attached.",
                     "text/html": "<p>Your receipt</p>"}
    assert mime["From"] == "Billing <billing@acme.example.com>"
    # Bounces go to the gateway's own address, whatever the header says.
    assert mailbox.received[0]["mail_from"] == "notify@acme.example.com"


def test_a_partner_from_without_an_address_is_the_display_name_of_the_gateways_address(
        app_ctx, mailbox, tls_files):
    result = SmtpAdapter().send(_outbound(from_="Acme Billing, Inc."),
                                _config(mailbox.url, ca_file=tls_files[0]))
    assert result.accepted
    sender = mailbox.received[0]["message"]["From"]
    assert sender.addresses[0].display_name == "Acme Billing, Inc."
    assert sender.addresses[0].addr_spec == "notify@acme.example.com"


def test_html_only_email_is_a_single_html_part(app_ctx, mailbox, tls_files):
    result = SmtpAdapter().send(_outbound(text=None, html="<b>hi</b>"),
                                _config(mailbox.url, ca_file=tls_files[0]))
    assert result.accepted
    mime = mailbox.received[0]["message"]
    assert mime.get_content_type() == "text/html" and mime.get_content().strip() == "<b>hi</b>"


def test_550_mailbox_unavailable_fails_permanently_and_refunds(app, tenant, smtp_gateway,
                                                               mailbox, drain):
    mailbox.rcpt_replies = ["550 5.1.1 <ana@example.com>: mailbox unavailable"]
    message_id = _send_email(tenant)
    drain()
    message = _message(app, message_id)
    assert message.status == "failed" and message.retry_count == 0
    assert message.last_error.startswith("smtp 550") and "mailbox unavailable" in message.last_error
    assert mailbox.received == []
    assert tenant.live.get("/balance").json["available"] == "10.000000"


def test_451_is_transient_and_the_retry_delivers_once(app, tenant, smtp_gateway, mailbox,
                                                      drain):
    mailbox.data_replies = ["451 4.3.0 Temporary local problem, try again later"]
    message_id = _send_email(tenant)
    drain()
    message = _message(app, message_id)
    assert message.status == "sent" and message.retry_count == 1
    assert "451" in message.last_error
    assert len(mailbox.received) == 1
    assert mailbox.received[0]["message"]["Message-ID"] == f"<{message_id}@acme.example.com>"


def test_wrong_password_is_a_permanent_failure(app_ctx, mailbox, tls_files):
    result = SmtpAdapter().send(_outbound(), _config(
        mailbox.url, ca_file=tls_files[0],
        credentials={"username": USER, "password": "wrong", "webhook_secret": SECRET}))
    assert not result.accepted and result.failure == "permanent"
    assert "authentication" in result.error and "wrong" not in result.error
    assert mailbox.received == []


def test_an_untrusted_certificate_is_refused_before_anything_is_sent(app_ctx, mailbox):
    result = SmtpAdapter().send(_outbound(), _config(mailbox.url))  # system CAs only
    assert not result.accepted and result.failure == "transient"
    assert "CERTIFICATE_VERIFY_FAILED" in result.error
    assert mailbox.received == []


def test_a_server_without_starttls_is_not_sent_to_in_clear(app_ctx, plain_mailbox):
    result = SmtpAdapter().send(_outbound(), _config(plain_mailbox.url, credentials={}))
    assert not result.accepted and result.failure == "transient"
    assert "STARTTLS" in result.error
    assert plain_mailbox.received == []


def test_starttls_false_sends_in_clear_to_a_development_relay(app_ctx, plain_mailbox):
    result = SmtpAdapter().send(_outbound(), _config(plain_mailbox.url, starttls="false",
                                                     credentials={}))
    assert result.accepted
    assert plain_mailbox.received[0]["tls"] is False


def test_an_unreachable_server_is_transient(app_ctx):
    result = SmtpAdapter().send(_outbound(), _config(f"smtp://127.0.0.1:{free_port()}"))
    assert not result.accepted and result.failure == "transient"
    assert "unreachable" in result.error


def test_a_gateway_without_a_from_address_fails_permanently(app_ctx, mailbox):
    config = _config(mailbox.url, credentials={}, settings={})
    result = SmtpAdapter().send(_outbound(), config)
    assert not result.accepted and result.failure == "permanent" and "from" in result.error


# --- bounce and delivery notices -------------------------------------------------------------


def test_a_signed_bounce_marks_the_email_bounced_and_refunds(app, client, tenant, smtp_gateway,
                                                             mailbox, drain):
    message_id = _send_email(tenant)
    drain()
    assert tenant.live.get("/balance").json["available"] == "9.999000"
    provider_id = _message(app, message_id).provider_message_id
    response = _notice(client, smtp_gateway, {"message_id": provider_id, "type": "bounce",
                                              "diagnostic": "550 5.1.1 user unknown"})
    assert response.status_code == 200
    message = _message(app, message_id)
    assert message.status == "bounced" and "user unknown" in message.last_error
    assert tenant.live.get("/balance").json["available"] == "10.000000"
    with app.app_context():
        bounced = db.session.scalar(select(Event).where(Event.type == "message.bounced"))
        assert bounced.object_id == message_id and bounced.data["refund"]["amount"] == "0.001000"


def test_a_soft_bounce_is_retried_with_the_same_message_id(app, client, tenant, smtp_gateway,
                                                           mailbox, drain):
    message_id = _send_email(tenant)
    drain()
    provider_id = _message(app, message_id).provider_message_id
    response = _notice(client, smtp_gateway, {"message_id": provider_id, "type": "soft_bounce",
                                              "diagnostic": "452 4.2.2 mailbox full"})
    assert response.status_code == 200
    drain()
    message = _message(app, message_id)
    assert message.status == "sent" and message.retry_count == 1
    assert [got["message"]["Message-ID"] for got in mailbox.received] == [provider_id] * 2


def test_a_delivered_notice_without_angle_brackets_still_finds_the_email(
        app, client, tenant, smtp_gateway, mailbox, drain):
    message_id = _send_email(tenant)
    drain()
    bare = _message(app, message_id).provider_message_id.strip("<>")
    assert _notice(client, smtp_gateway, {"message_id": bare,
                                          "type": "delivered"}).status_code == 200
    assert _message(app, message_id).status == "delivered"
    with app.app_context():
        statuses = [e.status for e in db.session.scalars(
            select(MessageEvent).where(MessageEvent.message_id == message_id)
            .order_by(MessageEvent.sequence))]
    assert statuses == ["queued", "sending", "sent", "delivered"]


def test_a_batch_of_notices_is_applied_in_order(app, client, tenant, smtp_gateway, mailbox,
                                                drain):
    message_id = _send_email(tenant)
    drain()
    provider_id = _message(app, message_id).provider_message_id
    response = _notice(client, smtp_gateway, [
        {"message_id": provider_id, "type": "delivered"},
        {"message_id": provider_id, "type": "bounce", "diagnostic": "late async bounce"}])
    assert response.status_code == 200
    assert _message(app, message_id).status == "bounced"


@pytest.mark.parametrize("header", ["sha256=" + "0" * 64, None])
def test_forged_or_missing_signature_is_401_and_changes_nothing(app, client, tenant,
                                                                smtp_gateway, mailbox, drain,
                                                                header):
    message_id = _send_email(tenant)
    drain()
    provider_id = _message(app, message_id).provider_message_id
    payload = {"message_id": provider_id, "type": "bounce"}
    response = _notice(client, smtp_gateway, payload, secret=None, header=header)
    assert response.status_code == 401 and response.json["code"] == "invalid_signature"
    assert _message(app, message_id).status == "sent"


def test_parse_callback_raises_invalid_signature_for_another_secret(app):
    body = json.dumps({"message_id": "<x@y>", "type": "bounce"}).encode()
    with app.test_request_context("/hooks/gw_test", method="POST", data=body,
                                  headers=_signing.switchboard("another-secret", body)):
        from flask import request

        with pytest.raises(InvalidSignature):
            SmtpAdapter().parse_callback(request, _config("smtp://unused"))
        without_secret = _config("smtp://unused", credentials={})
        with pytest.raises(InvalidSignature):
            SmtpAdapter().parse_callback(request, without_secret)


def test_a_signed_notice_of_an_unknown_type_is_422(client, smtp_gateway):
    response = _notice(client, smtp_gateway, {"message_id": "<a@b>", "type": "opened"})
    assert response.status_code == 422 and response.json["code"] == "invalid_field"


def test_a_signed_notice_whose_type_is_not_a_string_is_422(client, smtp_gateway):
    # Found by hypothesis (tests/reliability/test_hostile_callbacks.py): a list as `type`
    # was looked up in a dict and raised TypeError (a 500 on the hook).
    for kind in ([], {"a": 1}, 7, None):
        response = _notice(client, smtp_gateway, {"message_id": "<a@b>", "type": kind})
        assert response.status_code == 422 and response.json["param"] == "type", kind
