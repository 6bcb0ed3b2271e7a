"""The policy check: pure functions over a plan's terms, no database.

Mainland China (the default): the attributed leader is paid on their own sales
and nothing else. 《禁止传销条例》第七条 forbids (一) paying per recruit,
(二) charging to join, (三) paying an upline on a downline's sales; Art. 7 has no
minimum depth, so even one override level is refused (specs/
distribution-law-and-practice.md §0 #1, §2). Only an operator's audited
jurisdiction setting can lift the level limit; (一) and (二) are never allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shequn.commission.errors import CommissionError

MAX_RATE = Decimal("1")
# The amount columns hold 14 digits, 2 of them decimals. Checked before
# quantize(), which raises InvalidOperation on a number longer than the context.
MAX_FIXED = Decimal("1e12")


@dataclass(frozen=True)
class PlanTerms:
    kind: str  # "rate" | "fixed"
    rate: Decimal = Decimal("0")
    fixed_amount: Decimal = Decimal("0")
    level: int = 1
    per_recruit_bonus: Decimal = Decimal("0")
    join_fee: Decimal = Decimal("0")


def check_plan(terms: PlanTerms, max_levels: int = 1) -> None:
    """Raise a DomainError naming the clause if the plan is not allowed."""
    if terms.per_recruit_bonus != 0:
        raise CommissionError.PLAN_PAYS_PER_RECRUIT.error(clause="第七条第（一）项")
    if terms.join_fee != 0:
        raise CommissionError.PLAN_CHARGES_TO_JOIN.error(clause="第七条第（二）项")
    if terms.level < 1:
        raise CommissionError.PLAN_INVALID.error(level=terms.level)
    if terms.level > max_levels:
        raise CommissionError.PLAN_PAYS_UPLINE.error(clause="第七条第（三）项",
                                                     level=terms.level)
    if terms.kind == "rate":
        if not (Decimal("0") < terms.rate <= MAX_RATE) or terms.rate != terms.rate.quantize(
                Decimal("0.0001")):
            raise CommissionError.PLAN_INVALID.error(rate=terms.rate)
    elif terms.kind == "fixed":
        amount = terms.fixed_amount
        if not (0 < amount < MAX_FIXED) or amount != amount.quantize(Decimal("0.01")):
            raise CommissionError.PLAN_INVALID.error(fixed_amount=terms.fixed_amount)
    else:
        raise CommissionError.PLAN_INVALID.error(kind=terms.kind)


def line_commission(kind: str, rate: Decimal, fixed_amount: Decimal, qty: int,
                    base: Decimal) -> Decimal:
    """The commission of one line (the same arithmetic the accrual SQL does, in
    whole cents, half up): rate × base, or fixed × qty capped at the base."""
    from shequn.core.money import q2

    if kind == "rate":
        return q2(base * rate)
    return min(q2(fixed_amount * qty), base)
