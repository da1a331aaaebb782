"""Money as integer micro-units, shown as decimal strings. Never floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

MICROS = 1_000_000


class InvalidAmount(ValueError):
    pass


def to_micros(amount: str | int | Decimal) -> int:
    """Parse a decimal amount ("12.34") into micro-units, refusing sub-micro precision."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation as exc:
        raise InvalidAmount(f"not a decimal amount: {amount!r}") from exc
    if not value.is_finite():
        raise InvalidAmount(f"not a finite amount: {amount!r}")
    micros = value * MICROS
    if micros != micros.to_integral_value():
        raise InvalidAmount(f"more than 6 decimal places: {amount!r}")
    return int(micros)


def format_amount(micros: int) -> str:
    """Wallet amounts and balances: six decimals, e.g. "12.340000", "-0.012000"."""
    return str((Decimal(micros) / MICROS).quantize(Decimal("0.000001"), rounding=ROUND_HALF_UP))


def format_price(micros: int) -> str:
    """Prices and cost estimates: at least three decimals, no trailing zeros beyond, "0.012"."""
    text = format_amount(micros).rstrip("0")
    whole, _, frac = text.partition(".")
    return f"{whole}.{frac.ljust(3, '0')}"
