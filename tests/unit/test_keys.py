"""Access keys: format, checksum, hashing at rest, revocation and rolling."""

from __future__ import annotations

import hashlib
import hmac
import re
import zlib
from datetime import timedelta

import pytest
from sqlalchemy import event, select, text

from app.extensions import db
from app.models import AccessKey
from app.models.base import utcnow
from app.services.tenancy import keys
from tests.factories import make_partner

KEY_RE = re.compile(r"^ak_(live|test)_[0-9A-Za-z]{36}$")
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _crc32_base62(random_part: str) -> str:
    """The documented checksum, computed here: CRC32 of the random part, 6 base62 digits."""
    number, digits = zlib.crc32(random_part.encode()), ""
    for _ in range(6):
        number, digit = divmod(number, 62)
        digits = BASE62[digit] + digits
    return digits


def _peppered(app, secret: str) -> str:
    """HMAC-SHA256 of the secret keyed by the server's pepper, hex."""
    return hmac.new(app.config["KEY_PEPPER"].encode(), secret.encode(), hashlib.sha256).hexdigest()


def test_generated_keys_have_prefix_random_part_and_valid_checksum():
    for environment, prefix in (("live", "ak_live_"), ("sandbox", "ak_test_")):
        key = keys.generate(environment)
        assert KEY_RE.match(key) and key.startswith(prefix)
        assert _crc32_base62(key[8:38]) == key[38:]
        assert keys.parse(key) == environment


def test_every_single_character_change_is_rejected_by_the_checksum():
    key = keys.generate("live")
    body_start = len("ak_live_")
    for position in range(body_start, len(key)):
        replacement = "A" if key[position] != "A" else "B"
        tampered = key[:position] + replacement + key[position + 1:]
        with pytest.raises(keys.KeyFormatError):
            keys.parse(tampered)


@pytest.mark.parametrize("bad", ["", "ak_live_", "sk_live_" + "A" * 36, "ak_live_" + "!" * 36,
                                 "ak_prod_" + "A" * 36, "ak_live_" + "A" * 37])
def test_malformed_keys_are_rejected(bad):
    with pytest.raises(keys.KeyFormatError):
        keys.parse(bad)


def test_bad_checksum_is_rejected_before_any_database_statement(app_ctx):
    issued = make_partner()
    key = issued.live_key
    tampered = key[:-1] + ("a" if key[-1] != "a" else "b")
    statements = []

    def count(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        with pytest.raises(keys.KeyFormatError):
            keys.authenticate(tampered)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert statements == []
    # The genuine key does reach the database and is found.
    assert keys.authenticate(key).partner_id == issued.partner.id


def test_no_plaintext_key_is_stored_anywhere(app, app_ctx):
    issued = make_partner()
    rows = db.session.execute(text("SELECT * FROM access_keys")).all()
    dump = repr(rows)
    for plaintext in (issued.live_key, issued.test_key):
        assert plaintext not in dump
        assert plaintext[8:38] not in dump  # not even the random part
    stored = db.session.scalars(select(AccessKey.key_hash)).all()
    assert sorted(stored) == sorted([_peppered(app, issued.live_key),
                                     _peppered(app, issued.test_key)])


def test_hash_depends_on_the_pepper(app):
    key = keys.generate("live")
    with app.app_context():
        first = keys.hash_key(key)
        app.config["KEY_PEPPER"], old = "another-pepper", app.config["KEY_PEPPER"]
        try:
            assert keys.hash_key(key) != first
        finally:
            app.config["KEY_PEPPER"] = old


def test_display_shows_prefix_and_last_four_only(app_ctx):
    issued = make_partner()
    record = keys.find(issued.live_key)
    assert record.masked == issued.live_key[:12] + "…" + issued.live_key[-4:]


def test_revoked_key_no_longer_authenticates(app_ctx):
    issued = make_partner()
    record = keys.find(issued.test_key)
    keys.revoke(record.id)
    with pytest.raises(keys.RevokedKey):
        keys.authenticate(issued.test_key)


def test_rolled_key_overlaps_then_expires(app_ctx):
    issued = make_partner()
    old = keys.find(issued.live_key)
    new = keys.roll(old.id, old.partner_id, timedelta(hours=1))
    assert keys.authenticate(new.plaintext).id == new.record.id
    assert keys.authenticate(issued.live_key).id == old.id  # still inside the overlap
    assert not keys.is_usable(old, now=utcnow() + timedelta(hours=2))


def test_rolling_again_during_the_overlap_never_extends_the_old_key(app_ctx):
    """The review's case: a 1 h overlap rolled again with 41 days became 41 days."""
    issued = make_partner()
    old = keys.find(issued.live_key)
    keys.roll(old.id, old.partner_id, timedelta(hours=1))
    first_end = db.session.get(AccessKey, old.id).expires_at
    assert keys.roll(old.id, old.partner_id, timedelta(days=41)) is not None
    assert db.session.get(AccessKey, old.id, populate_existing=True).expires_at == first_end
    assert not keys.is_usable(old, now=utcnow() + timedelta(hours=2))
    keys.roll(old.id, old.partner_id, timedelta(minutes=5))  # shortening is allowed
    assert db.session.get(AccessKey, old.id, populate_existing=True).expires_at < first_end


def test_last_used_at_is_written_at_most_once_a_minute(app, client):
    with app.app_context():
        issued = make_partner()
        key_id = keys.find(issued.live_key).id
    headers = {"Authorization": f"Bearer {issued.live_key}"}
    updates = []

    def count(conn, cursor, statement, *args):
        if statement.startswith("UPDATE access_keys"):
            updates.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        assert client.get("/api/v1/balance", headers=headers).status_code == 200
        with app.app_context():
            first = db.session.get(AccessKey, key_id).last_used_at
        assert first is not None and len(updates) == 1
        for _ in range(3):
            assert client.get("/api/v1/balance", headers=headers).status_code == 200
        assert len(updates) == 1  # fresh: no write at all
        with app.app_context():
            db.session.get(AccessKey, key_id).last_used_at = utcnow() - timedelta(minutes=2)
            db.session.commit()
        client.get("/api/v1/balance", headers=headers)
        with app.app_context():
            assert db.session.get(AccessKey, key_id).last_used_at > first
    finally:
        event.remove(engine, "before_cursor_execute", count)
