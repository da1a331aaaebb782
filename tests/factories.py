"""Builders for test data, going through the same services the product uses."""

from __future__ import annotations

from app.services import money, partners, users
from app.services.partners import ProvisionedPartner


def make_partner(name: str = "Acme", balance: str = "10", sandbox_balance: str = "100"
                 ) -> ProvisionedPartner:
    """A partner with funded wallets and one key per environment."""
    return partners.create_partner(name, money.to_micros(balance),
                                   money.to_micros(sandbox_balance))


def make_user(role: str = "agent", partner_id: str | None = None,
              email: str | None = None, password: str = "correct horse battery"):
    """A login with a known password."""
    email = email or f"{role}-{partner_id or 'platform'}@example.com".lower()
    return users.create_user(email, password, role, partner_id=partner_id)
