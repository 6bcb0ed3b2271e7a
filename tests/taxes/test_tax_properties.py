"""Hypothesis properties of the tax engine."""

from __future__ import annotations

from decimal import Decimal as D

from hypothesis import given, settings
from hypothesis import strategies as st

from shequn.taxes.engine import REFUSED, LineInput, QuoteInput, apportion, quote

money = st.decimals(min_value=D("0"), max_value=D("3000"), places=2,
                    allow_nan=False, allow_infinity=False)
rate = st.sampled_from([D("0"), D("0.09"), D("0.13"), D("0.15"), D("0.3"), D("0.1")])
line = st.builds(LineInput, name=st.just("x"), qty=st.integers(1, 5), unit_price=money,
                 vat_rate=rate, consumption_tax_rate=rate, tariff_rate=rate)
lines = st.lists(line, min_size=1, max_size=8).map(tuple)


@settings(max_examples=300, deadline=None)
@given(lines=lines, freight=money, insurance=money, used=money.map(lambda m: m * 8),
       inclusive=st.booleans())
def test_totals_are_sums_and_never_negative(lines, freight, insurance, used, inclusive):
    q = quote(QuoteInput(lines=lines, freight=freight, insurance=insurance,
                         annual_used=used, price_includes_tax=inclusive))
    assert sum(x.freight_share for x in q.lines) == freight
    assert sum(x.insurance_share for x in q.lines) == insurance
    assert all(x.freight_share >= 0 and x.insurance_share >= 0 for x in q.lines)
    assert q.duty == sum(x.duty for x in q.lines)
    assert q.consumption_tax == sum(x.consumption_tax for x in q.lines)
    assert q.vat == sum(x.vat for x in q.lines)
    assert q.tax_total == sum(x.tax for x in q.lines) == q.duty + q.consumption_tax + q.vat
    assert q.taxable_total == sum(x.taxable_price for x in q.lines)
    for x in q.lines:
        assert x.taxable_price == x.goods_value + x.freight_share + x.insurance_share
        assert min(x.duty, x.consumption_tax, x.vat) >= 0
        assert x.tax == x.duty + x.consumption_tax + x.vat
        # Every collected amount is whole cents.
        assert x.tax == x.tax.quantize(D("0.01"))
    if q.regime == REFUSED:
        assert q.code in ("over_single_limit", "over_annual_limit")
    else:
        assert q.code is None
        assert used + q.taxable_total <= D("26000")


@settings(max_examples=300, deadline=None)
@given(lines=lines)
def test_inclusive_net_plus_tax_equals_gross(lines):
    q = quote(QuoteInput(lines=lines, price_includes_tax=True))
    for inp, x in zip(lines, q.lines, strict=True):
        gross = inp.unit_price * inp.qty
        assert x.goods_value + x.tax == gross
        assert x.goods_value == x.goods_value.quantize(D("0.01"))


@settings(max_examples=200, deadline=None)
@given(total=money,
       weights=st.lists(money, min_size=1, max_size=10))
def test_apportion_sums_exactly(total, weights):
    shares = apportion(total, weights)
    assert len(shares) == len(weights)
    assert sum(shares) == total
    assert all(s >= 0 for s in shares)


@settings(max_examples=200, deadline=None)
@given(lines=lines, freight=money)
def test_cbec_tax_close_to_composite_rate(lines, freight):
    # Per line, the rounded tax is within a cent and a half of P × composite rate.
    q = quote(QuoteInput(lines=lines, freight=freight))
    if q.regime == "cbec_full_tax":
        return
    for inp, x in zip(lines, q.lines, strict=True):
        c, v = inp.consumption_tax_rate, inp.vat_rate
        exact = x.taxable_price * (c + v) / (1 - c) * D("0.7")
        assert abs(x.tax - exact) <= D("0.015")


@settings(max_examples=300, deadline=None)
@given(price=st.decimals(min_value=D("4000"), max_value=D("9000"), places=2),
       v=rate, c=rate, t=rate, inclusive=st.booleans())
def test_sole_item_around_single_limit(price, v, c, t, inclusive):
    q = quote(QuoteInput(lines=(LineInput("x", 1, price, v, c, t),),
                         price_includes_tax=inclusive))
    assert q.regime in ("cbec", "cbec_full_tax")
    x = q.lines[0]
    assert min(x.duty, x.consumption_tax, x.vat) >= 0
    if inclusive:
        assert x.goods_value + x.tax == price
    if q.regime == "cbec":
        assert q.duty == 0
