"""Partner provisioning: the tenant, its two wallets and its first keys."""

from __future__ import annotations

from dataclasses import dataclass

from app.extensions import db
from app.models import Partner
from app.services import tx
from app.services.billing import wallet
from app.services.tenancy import keys


@dataclass(frozen=True)
class ProvisionedPartner:
    partner: Partner
    live_key: str
    test_key: str

    @property
    def partner_id(self) -> str:
        """The id, readable after the session that loaded `partner` has closed."""
        return self._partner_id

    def __post_init__(self):
        object.__setattr__(self, "_partner_id", self.partner.id)


def create_partner(name: str, balance_micros: int = 0, sandbox_balance_micros: int = 0,
                   currency: str = "USD") -> ProvisionedPartner:
    """Create a partner with wallets (optionally funded) and one key per environment."""
    partner = Partner(name=name)
    db.session.add(partner)
    db.session.flush()
    wallet.open_wallets(partner.id, currency)
    if balance_micros:
        wallet.top_up(partner.id, "live", balance_micros, "opening balance")
    if sandbox_balance_micros:
        wallet.top_up(partner.id, "sandbox", sandbox_balance_micros, "sandbox play money")
    live = keys.create(partner.id, "live", name="default")
    test = keys.create(partner.id, "sandbox", name="default")
    tx.commit()
    return ProvisionedPartner(partner, live.plaintext, test.plaintext)


def set_rate_limits(partner_id: str, *, live: int | None = None, sandbox: int | None = None,
                    reset: bool = False) -> Partner:
    """Give a partner its own requests-per-minute limits (None keeps, reset clears both)."""
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise LookupError(f"no partner {partner_id}")
    if reset:
        partner.rate_limit_live = partner.rate_limit_sandbox = None
    if live is not None:
        partner.rate_limit_live = live
    if sandbox is not None:
        partner.rate_limit_sandbox = sandbox
    tx.commit()
    return partner
