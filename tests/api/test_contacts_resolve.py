"""Contacts: resolve_or_create_by_identity, the lookup the send and inbound paths share."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.channels import ChannelValidationError
from app.extensions import db
from app.models import Contact
from app.services.inbox import contacts

# resolve_or_create_by_identity (the send and inbound paths)


def test_resolve_creates_a_contact_once_then_finds_it(app, tenant):
    with app.app_context():
        contact, created = contacts.resolve_or_create_by_identity(
            tenant.partner_id, "live", "sms", "+1 555 123 4567", name="Nayeem")
        db.session.commit()
        again, created_again = contacts.resolve_or_create_by_identity(
            tenant.partner_id, "live", "sms", "+15551234567", name="Someone else")
        assert (created, created_again) == (True, False)
        assert again.id == contact.id and again.name == "Nayeem"
        assert contacts.to_api(again)["identities"] == [{"channel": "sms",
                                                         "address": "+15551234567"}]


def test_resolve_is_scoped_to_partner_and_environment(app, tenant, other_tenant):
    with app.app_context():
        found = {contacts.resolve_or_create_by_identity(partner, environment, "sms",
                                                        "+15551234567")[0].id
                 for partner in (tenant.partner_id, other_tenant.partner_id)
                 for environment in ("live", "sandbox")}
        db.session.commit()
    assert len(found) == 4


def test_resolve_refuses_an_invalid_address_with_the_channel_code(app, tenant):
    with app.app_context(), pytest.raises(ChannelValidationError) as raised:
        contacts.resolve_or_create_by_identity(tenant.partner_id, "live", "email", "nope")
    assert (raised.value.entry.code, raised.value.param) == ("invalid_email_address",
                                                             "address")


def test_concurrent_resolves_of_one_identity_make_one_contact(app, tenant):
    barrier = threading.Barrier(4)
    results: list[tuple[str, bool]] = []
    failures: list[BaseException] = []

    def resolve() -> None:
        with app.app_context():
            try:
                barrier.wait()
                contact, created = contacts.resolve_or_create_by_identity(
                    tenant.partner_id, "live", "whatsapp", "+15551234567")
                contact_id = contact.id
                db.session.commit()
                results.append((contact_id, created))
            except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
                failures.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=resolve) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert failures == []
    assert len({contact_id for contact_id, _ in results}) == 1
    assert sorted(created for _, created in results) == [False, False, False, True]
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Contact)) == 1
