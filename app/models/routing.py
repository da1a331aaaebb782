"""Inbound routing on platform-shared gateways: which partner a receiving address belongs
to, and the inbound messages that arrived for an address no route names yet."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import PrefixedId, TenantScoped, UTCDateTime, utcnow

UNROUTED_STATUSES = ("pending", "routed")


class InboundRoute(PrefixedId, TenantScoped, db.Model):
    """A receiving number or handle on a shared gateway, and the partner it belongs to.

    `environment` and `channel` are the gateway's, copied so the console can list and
    filter routes without a join; one address routes to one partner per gateway.
    """

    __tablename__ = "inbound_routes"
    __table_args__ = (UniqueConstraint("gateway_id", "address",
                                       name="uq_inbound_routes_gateway_address"),)
    id_prefix = "rte"

    gateway_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("gateways.id", ondelete="CASCADE"), nullable=False)
    address: Mapped[str] = mapped_column(String(256), nullable=False)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    created_by: Mapped[str | None] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


class UnroutedInbound(PrefixedId, db.Model):
    """An inbound message on a shared gateway whose receiving address has no route.

    Kept with the provider's raw payload for the operator; once a route names its address
    it is delivered to that partner (`routed`), exactly once.
    """

    __tablename__ = "unrouted_inbound"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'routed')", name="status"),
    )
    id_prefix = "unr"

    gateway_id: Mapped[str] = mapped_column(
        String(40), ForeignKey("gateways.id", ondelete="CASCADE"), nullable=False, index=True)
    channel: Mapped[str] = mapped_column(String(16), nullable=False)
    to_address: Mapped[str | None] = mapped_column(String(256))
    from_address: Mapped[str] = mapped_column(String(256), nullable=False)
    text: Mapped[str | None] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(String(200))
    provider_message_id: Mapped[str | None] = mapped_column(String(200))
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    raw_payload: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(16), nullable=False, default="pending")
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    routed_partner_id: Mapped[str | None] = mapped_column(
        String(40), ForeignKey("partners.id", ondelete="SET NULL"))
    routed_message_id: Mapped[str | None] = mapped_column(String(40))
    routed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
