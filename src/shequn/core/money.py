"""Money is Decimal with two places, rounded ROUND_HALF_UP at defined points."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def q2(value: Decimal | int | str) -> Decimal:
    """Round to 0.01, half up (the customs convention for collected amounts)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def parse_money(raw: object) -> Decimal:
    """Parse user input to Decimal; floats are refused so no binary error sneaks in."""
    if isinstance(raw, bool) or isinstance(raw, float):
        raise ValueError("money must be given as a string or integer, not a float")
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {raw!r}") from exc
    if not value.is_finite():
        raise ValueError(f"not a finite number: {raw!r}")
    return value


def fmt(value: Decimal) -> str:
    return f"{q2(value):.2f}"


def to_fen(value: Decimal) -> int:
    return int(q2(value) * 100)
