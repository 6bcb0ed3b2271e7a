"""CBEC retail-import tax quote (spec cbec-customs.md §1.2–1.6). Pure: no Django.

Within the limits (regime ``cbec``) the tariff is 0 and consumption tax (CT) and import
VAT are collected at 70% of the statutory amount; a sole item over the single limit
(``cbec_full_tax``) pays tariff, CT and VAT in full; anything else is ``refused``.

Rounding: every statutory amount is kept at full precision; each collected tax of each
line is rounded once to 0.01 ROUND_HALF_UP; line and order totals are sums of rounded
amounts, so they always add up.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Context, Decimal, localcontext

from shequn.taxes.errors import Refusal, TaxError

CBEC = "cbec"
FULL_TAX = "cbec_full_tax"
REFUSED = "refused"

OVER_SINGLE_LIMIT = Refusal.OVER_SINGLE_LIMIT.value
OVER_ANNUAL_LIMIT = Refusal.OVER_ANNUAL_LIMIT.value

MAX_LINES = 99
MAX_QTY = 1_000_000
# Amounts beyond this are surely typos; bounding them keeps every intermediate value
# well inside the context precision below.
MAX_AMOUNT = Decimal("1000000000000")
# CEB amounts are N19,5: at most five decimals.
MAX_PLACES = 5

CBEC_FACTOR = Decimal("0.7")
ONE = Decimal(1)
ZERO = Decimal(0)
CENT = Decimal("0.01")
_ZERO2 = Decimal("0.00")

# "Full precision" = 40 significant digits, independent of whatever the caller's
# thread context is. Built once; localcontext() copies it cheaply per call.
_CTX = Context(prec=40, rounding=ROUND_HALF_EVEN)


@dataclass(frozen=True, slots=True)
class LineInput:
    name: str
    qty: int
    unit_price: Decimal
    vat_rate: Decimal
    consumption_tax_rate: Decimal = ZERO
    tariff_rate: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class QuoteInput:
    lines: tuple[LineInput, ...]
    freight: Decimal = ZERO
    insurance: Decimal = ZERO
    annual_used: Decimal = ZERO
    # 包税: unit_price is what the buyer sees and already contains the tax.
    price_includes_tax: bool = False
    single_limit: Decimal = Decimal("5000")
    annual_limit: Decimal = Decimal("26000")


@dataclass(frozen=True, slots=True)
class LineTax:
    goods_value: Decimal      # net of tax in 包税 mode
    freight_share: Decimal
    insurance_share: Decimal
    taxable_price: Decimal    # P = goods + freight share + insurance share
    duty: Decimal
    consumption_tax: Decimal
    vat: Decimal
    tax: Decimal              # duty + consumption_tax + vat (rounded amounts)


@dataclass(frozen=True, slots=True)
class Quote:
    regime: str
    code: str | None
    goods_value: Decimal
    freight: Decimal
    insurance: Decimal
    taxable_total: Decimal
    duty: Decimal
    consumption_tax: Decimal
    vat: Decimal
    tax_total: Decimal
    lines: tuple[LineTax, ...]


def q2(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


# ---------------------------------------------------------------------------- rates

def composite_rate(vat_rate: Decimal, consumption_tax_rate: Decimal,
                   tariff_rate: Decimal = ZERO, *, full: bool = False) -> Decimal:
    """Tax per unit of taxable price P (full precision).

    cbec: (c + v) / (1 − c) × 0.7 (tariff 0); full: t + (1 + t)(c + v) / (1 − c).
    """
    c, v = consumption_tax_rate, vat_rate
    with localcontext(_CTX):
        if full:
            return tariff_rate + (ONE + tariff_rate) * (c + v) / (ONE - c)
        return (c + v) / (ONE - c) * CBEC_FACTOR


_CT_UNIT_THRESHOLDS = {"ml": Decimal(10), "g": Decimal(10), "piece": Decimal(15)}


def effective_consumption_tax_rate(rule: str, rate: Decimal, unit_price: Decimal,
                                   net_content: Decimal, content_unit: str) -> Decimal:
    """The CT rate a SKU actually carries (财税〔2016〕103号 high-end cosmetics rule).

    ``high_end_cosmetics``: taxed only at ≥ 10 元 per ml or g, or ≥ 15 元 per piece.
    """
    if rule == "none":
        return ZERO
    if rule == "always":
        return rate
    if rule != "high_end_cosmetics":
        raise TaxError.INVALID_INPUT.error(field="consumption_tax_rule", value=rule)
    threshold = _CT_UNIT_THRESHOLDS.get(content_unit)
    if threshold is None:
        raise TaxError.INVALID_INPUT.error(field="net_content_unit", value=content_unit)
    if net_content <= 0:
        raise TaxError.INVALID_INPUT.error(field="net_content", value=net_content)
    with localcontext(_CTX):
        return rate if unit_price / net_content >= threshold else ZERO


# ---------------------------------------------------------------------- validation

def _number(value: object, field: str, *, places: int = MAX_PLACES) -> Decimal:
    # bool is an int subclass and float is binary: neither is money.
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TaxError.INVALID_NUMBER.error(field=field)
    d = Decimal(value)
    if not d.is_finite():
        raise TaxError.INVALID_NUMBER.error(field=field)
    if d < 0:
        raise TaxError.NEGATIVE_AMOUNT.error(field=field)
    if d > MAX_AMOUNT or d.as_tuple().exponent < -places:  # type: ignore[operator]
        raise TaxError.INVALID_NUMBER.error(field=field)
    return d


def _rate(value: object, field: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TaxError.INVALID_NUMBER.error(field=field)
    d = Decimal(value)
    if not d.is_finite() or d.as_tuple().exponent < -10:  # type: ignore[operator]
        raise TaxError.INVALID_NUMBER.error(field=field)
    if not (0 <= d < 1):
        raise TaxError.INVALID_RATE.error(field=field)
    return d


@dataclass(frozen=True, slots=True)
class _Line:
    qty: int
    unit_price: Decimal
    v: Decimal
    c: Decimal
    t: Decimal


def _validate(inp: QuoteInput) -> list[_Line]:
    lines = inp.lines
    if not lines:
        raise TaxError.NO_LINES.error()
    if len(lines) > MAX_LINES:
        raise TaxError.TOO_MANY_LINES.error(count=len(lines))
    out = []
    for i, ln in enumerate(lines):
        where = f"lines[{i}]"
        qty = ln.qty
        if isinstance(qty, bool) or not isinstance(qty, int) or not 0 < qty <= MAX_QTY:
            raise TaxError.INVALID_QTY.error(field=f"{where}.qty")
        out.append(_Line(
            qty=qty,
            unit_price=_number(ln.unit_price, f"{where}.unit_price"),
            v=_rate(ln.vat_rate, f"{where}.vat_rate"),
            c=_rate(ln.consumption_tax_rate, f"{where}.consumption_tax_rate"),
            t=_rate(ln.tariff_rate, f"{where}.tariff_rate"),
        ))
    return out


# --------------------------------------------------------------------- apportioning

def apportion(total: Decimal, weights: Sequence[Decimal]) -> list[Decimal]:
    """Split ``total`` pro rata by ``weights``; each share but the last is rounded to
    0.01 half up and the last line takes the remainder, so the shares sum to ``total``
    exactly. Shares are never negative: if rounding up the earlier shares overshoots
    (last line of tiny or zero value), the overshoot is taken back from the nearest
    earlier lines."""
    n = len(weights)
    if total == 0:
        return [_ZERO2] * n
    weight_sum = sum(weights, ZERO)
    if weight_sum == 0:  # all gifts: nothing to be pro rata to
        return [_ZERO2] * (n - 1) + [total]
    with localcontext(_CTX):
        shares = [q2(total * w / weight_sum) for w in weights[:-1]]
        last = total - sum(shares, ZERO)
        i = n - 2
        while last < 0:  # at most a few cents
            take = min(shares[i], -last)
            shares[i] -= take
            last += take
            i -= 1
        shares.append(last)
    return shares


# ---------------------------------------------------------------------------- quote

def _regime(p: Decimal, sole_item: bool, used: Decimal,
            single: Decimal, annual: Decimal) -> tuple[str, str | None]:
    # Limits are inclusive (≤). Over the single limit and not a sole item: the single
    # limit is what breaks first (customs -621005); otherwise the annual one (-621018).
    if p > single and not sole_item:
        return REFUSED, OVER_SINGLE_LIMIT
    if used + p > annual:
        return REFUSED, OVER_ANNUAL_LIMIT
    return (FULL_TAX, None) if p > single else (CBEC, None)


def _split_inclusive(gross: list[Decimal], lines: list[_Line], full: bool) -> list[Decimal]:
    # 包税: the net unit price = unit price / (1 + composite rate), rounded to 0.01,
    # and the line's net value = net unit price × qty; the tax is gross − net. Per
    # unit, so the declared price × qty equals the declared total exactly (a
    # customs rule); for qty 1 it is the same as splitting the line.
    return [q2(ln.unit_price / (ONE + composite_rate(ln.v, ln.c, ln.t, full=full))) * ln.qty
            for ln in lines]


def quote(inp: QuoteInput) -> Quote:
    """Quote the CBEC tax of one order. Raises DomainError (TaxError) on bad input;
    a limit breach is a normal result with ``regime == "refused"`` and ``code`` set
    (amounts then show the 70% regime, for display)."""
    lines = _validate(inp)
    freight = _number(inp.freight, "freight")
    insurance = _number(inp.insurance, "insurance")
    used = _number(inp.annual_used, "annual_used")
    single = _number(inp.single_limit, "single_limit")
    annual = _number(inp.annual_limit, "annual_limit")
    if single <= 0 or annual <= 0:
        raise TaxError.INVALID_INPUT.error(field="limits")
    inclusive = bool(inp.price_includes_tax)
    sole_item = len(lines) == 1 and lines[0].qty == 1

    with localcontext(_CTX):
        # Line totals are exactly unit price × qty (CEB311 totalPrice), not rounded.
        gross = [ln.unit_price * ln.qty for ln in lines]
        goods = _split_inclusive(gross, lines, full=False) if inclusive else gross
        base = freight + insurance
        p_total = sum(goods, ZERO) + base
        regime, code = _regime(p_total, sole_item, used, single, annual)
        full = regime == FULL_TAX
        if inclusive and full:
            # The sole item pays full tax, so the price it includes must be split at the
            # full composite rate. That lowers P; if it then falls back to ≤ the single
            # limit the gross price sits in a narrow band where neither split is
            # self-consistent: we keep the full-tax split (withhold more, not less).
            goods = _split_inclusive(gross, lines, full=True)
        freight_shares = apportion(freight, goods)
        insurance_shares = apportion(insurance, goods)

        out: list[LineTax] = []
        for ln, g, net, fs, ins in zip(lines, gross, goods, freight_shares,
                                       insurance_shares, strict=True):
            p = net + fs + ins
            duty_u = p * ln.t if full else ZERO
            ct_stat = (p + duty_u) * ln.c / (ONE - ln.c)
            # The VAT base carries the full statutory CT, also under the 70% regime.
            vat_stat = (p + duty_u + ct_stat) * ln.v
            factor = ONE if full else CBEC_FACTOR
            duty = q2(duty_u)
            ct = q2(ct_stat * factor)
            vat = q2(vat_stat * factor)
            if inclusive:
                # Freight (and insurance) in 包税 mode are charged on top of the
                # tax-inclusive goods price, as in non-包税 mode: they enter P, and the
                # tax they cause is added. The goods part of the tax is exactly
                # gross − net, so with no freight net + tax == gross. Any rounding
                # cent goes into VAT (then CT, then duty, never below zero).
                rate = composite_rate(ln.v, ln.c, ln.t, full=full)
                target = (g - net) + q2((fs + ins) * rate)
                duty = min(duty, target)
                ct = min(ct, target - duty)
                vat = target - duty - ct
            out.append(LineTax(goods_value=net, freight_share=fs, insurance_share=ins,
                               taxable_price=p, duty=duty, consumption_tax=ct, vat=vat,
                               tax=duty + ct + vat))

        duty_total = sum((x.duty for x in out), _ZERO2)
        ct_total = sum((x.consumption_tax for x in out), _ZERO2)
        vat_total = sum((x.vat for x in out), _ZERO2)
        return Quote(
            regime=regime, code=code,
            goods_value=sum((x.goods_value for x in out), ZERO),
            freight=freight, insurance=insurance,
            taxable_total=sum((x.taxable_price for x in out), ZERO),
            duty=duty_total, consumption_tax=ct_total, vat=vat_total,
            tax_total=duty_total + ct_total + vat_total,
            lines=tuple(out),
        )
