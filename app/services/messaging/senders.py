"""Verified senders: the `from` values a partner may send as.

A gateway shared by the platform serves many partners, so the `from` of a send (an email
address, a number, a Viber or SMS sender name) must be one operators verified for that
partner on that channel. Without `from`, the gateway's own configured sender is used.
Email addresses compare case-insensitively; other senders exactly (after trimming).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.channels import registry
from app.errors import ApiError
from app.extensions import db
from app.models import Partner, VerifiedSender
from app.services import tx


def normalise(channel: str, address: str) -> str:
    """The form a sender is stored and compared in."""
    address = address.strip()
    return address.lower() if channel == "email" else address


def require_verified(partner_id: str, channel: str, address: str) -> None:
    """Refuse a `from` that is not one of the partner's verified senders on the channel."""
    found = db.session.scalar(select(VerifiedSender.id).where(
        VerifiedSender.partner_id == partner_id, VerifiedSender.channel == channel,
        VerifiedSender.address == normalise(channel, address)))
    if found is None:
        raise ApiError("unverified_sender",
                       f"`from` {address!r} is not a verified {channel} sender of your "
                       "account. Omit `from` to use the gateway's sender, or ask us to "
                       "verify this one.", param="from")


def add(partner_id: str, channel: str, address: str) -> VerifiedSender:
    """Verify a sender for a partner (operators); idempotent."""
    if db.session.get(Partner, partner_id) is None:
        raise ApiError("not_found", f"No partner {partner_id}.", param="partner_id")
    if registry.get(channel) is None:
        raise ApiError("unknown_channel", f"{channel!r} is not one of the eleven channels.",
                       param="channel")
    address = normalise(channel, address)
    if not 1 <= len(address) <= 256:
        raise ApiError("invalid_field", "A sender is 1 to 256 characters.", param="address")
    existing = _find(partner_id, channel, address)
    if existing is not None:
        return existing
    sender = VerifiedSender(partner_id=partner_id, channel=channel, address=address)
    try:
        with db.session.begin_nested():
            db.session.add(sender)
    except IntegrityError:  # added concurrently: theirs is the same row
        sender = _find(partner_id, channel, address)
    tx.commit()
    return sender


def remove(partner_id: str, channel: str, address: str) -> bool:
    """Withdraw a verified sender; whether there was one."""
    sender = _find(partner_id, channel, normalise(channel, address))
    if sender is None:
        return False
    db.session.delete(sender)
    tx.commit()
    return True


def list_senders(partner_id: str) -> list[VerifiedSender]:
    """A partner's verified senders, by channel then address."""
    return list(db.session.scalars(select(VerifiedSender).where(
        VerifiedSender.partner_id == partner_id).order_by(VerifiedSender.channel,
                                                          VerifiedSender.address)))


def _find(partner_id: str, channel: str, address: str) -> VerifiedSender | None:
    return db.session.scalar(select(VerifiedSender).where(
        VerifiedSender.partner_id == partner_id, VerifiedSender.channel == channel,
        VerifiedSender.address == address))
