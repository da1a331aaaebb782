"""Partner provisioning: the tenant, its two wallets and its first keys."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from app.errors import ApiError
from app.extensions import db
from app.models import ENVIRONMENTS, Partner, Wallet
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


# --- the operator console -------------------------------------------------------------------

STATUSES = ("active", "suspended")


@dataclass(frozen=True)
class PartnerRow:
    partner: Partner
    balances: dict  # environment -> (micros, currency)


def list_partners(q: str | None = None) -> list[PartnerRow]:
    """Every partner with both balances, newest first (optionally by name)."""
    statement = select(Partner).order_by(Partner.id.desc()).limit(500)
    if q:
        statement = statement.where(Partner.name.ilike(f"%{q.strip()}%"))
    found = list(db.session.scalars(statement))
    balances: dict = {}
    for row in db.session.scalars(select(Wallet).where(
            Wallet.partner_id.in_([p.id for p in found]))):
        balances.setdefault(row.partner_id, {})[row.environment] = (row.balance_micros,
                                                                    row.currency)
    return [PartnerRow(p, balances.get(p.id, {})) for p in found]


def get(partner_id: str) -> Partner:
    """One partner; 404 when there is none."""
    partner = db.session.get(Partner, partner_id)
    if partner is None:
        raise ApiError("not_found", f"No partner {partner_id}.", param="id")
    return partner


def top_up(partner_id: str, environment: str, amount_micros: int, reason: str):
    """Credit a wallet (operators): one ledger entry carrying the reason."""
    get(partner_id)
    if environment not in ENVIRONMENTS:
        raise ApiError("invalid_field", "`environment` is live or sandbox.", param="environment")
    if amount_micros <= 0:
        raise ApiError("invalid_field", "A top-up is a positive amount.", param="amount")
    if not (reason or "").strip():
        raise ApiError("missing_field", "Say why (it is written in the ledger).",
                       param="reason")
    entry = wallet.top_up(partner_id, environment, amount_micros, reason.strip()[:200])
    tx.commit()
    return entry


def set_status(partner_id: str, status: str) -> Partner:
    """Suspend (every key, token and login refused) or reactivate a partner."""
    if status not in STATUSES:
        raise ApiError("invalid_field", "`status` is active or suspended.", param="status")
    partner = get(partner_id)
    partner.status = status
    tx.commit()
    return partner


def create(name: str) -> Partner:
    """A new partner with empty wallets and no keys (its admins create them)."""
    name = (name or "").strip()
    if not name:
        raise ApiError("missing_field", "A partner needs a name.", param="name")
    partner = Partner(name=name[:200])
    db.session.add(partner)
    db.session.flush()
    wallet.open_wallets(partner.id)
    tx.commit()
    return partner
