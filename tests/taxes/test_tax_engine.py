"""CBEC tax engine: the worked examples of spec §1.6, limits, rounding, 包税."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from shequn.core.errors import DomainError
from shequn.taxes.engine import (
    CBEC,
    FULL_TAX,
    OVER_ANNUAL_LIMIT,
    OVER_SINGLE_LIMIT,
    REFUSED,
    LineInput,
    QuoteInput,
    apportion,
    composite_rate,
    effective_consumption_tax_rate,
    quote,
)

V13 = D("0.13")


def cosmetics(price: str, qty: int = 1) -> LineInput:
    return LineInput("面霜", qty, D(price), V13, D("0.15"))


def formula(price: str, qty: int = 1) -> LineInput:
    return LineInput("奶粉", qty, D(price), V13)


# ------------------------------------------------------------------ worked examples

def test_ex1_cosmetics_with_freight():
    q = quote(QuoteInput(lines=(cosmetics("480"),), freight=D("20")))
    assert q.regime == CBEC and q.code is None
    assert q.taxable_total == D("500.00")
    assert (q.duty, q.consumption_tax, q.vat, q.tax_total) == (
        D("0.00"), D("61.76"), D("53.53"), D("115.29"))


def test_ex2_formula_two_cans():
    q = quote(QuoteInput(lines=(formula("298", qty=2),)))
    assert q.regime == CBEC
    assert q.taxable_total == D("596")
    assert q.consumption_tax == 0
    assert q.vat == q.tax_total == D("54.24")


def test_ex3_mixed_basket_freight_pro_rata():
    q = quote(QuoteInput(lines=(cosmetics("300"), formula("200")), freight=D("20")))
    a, b = q.lines
    assert (a.freight_share, b.freight_share) == (D("12.00"), D("8.00"))
    assert (a.taxable_price, b.taxable_price) == (D("312.00"), D("208.00"))
    assert (a.consumption_tax, a.vat, a.tax) == (D("38.54"), D("33.40"), D("71.94"))
    assert (b.consumption_tax, b.vat, b.tax) == (D("0.00"), D("18.93"), D("18.93"))
    assert (q.consumption_tax, q.vat, q.tax_total) == (D("38.54"), D("52.33"), D("90.87"))


def test_ex4_sole_handbag_over_single_limit_taxed_in_full():
    bag = LineInput("手袋", 1, D("6000"), V13, tariff_rate=D("0.10"))
    q = quote(QuoteInput(lines=(bag,), annual_used=D("10000")))
    assert q.regime == FULL_TAX and q.code is None
    assert (q.duty, q.consumption_tax, q.vat, q.tax_total) == (
        D("600.00"), D("0.00"), D("858.00"), D("1458.00"))


def test_ex4_tariff_ignored_within_limits():
    # The same bag at 4,000 is within the limits: tariff 0, VAT at 70%.
    bag = LineInput("手袋", 1, D("4000"), V13, tariff_rate=D("0.10"))
    q = quote(QuoteInput(lines=(bag,)))
    assert q.regime == CBEC
    assert q.duty == 0
    assert q.vat == D("364.00")


def test_ex5a_two_items_over_single_limit_refused():
    q = quote(QuoteInput(lines=(formula("2800"), formula("2400"))))
    assert (q.regime, q.code) == (REFUSED, OVER_SINGLE_LIMIT)
    # Refused quotes still show the 70% amounts, for display.
    assert q.tax_total == D("473.20")
    assert q.duty == 0


def test_ex5b_annual_limit_refused():
    q = quote(QuoteInput(lines=(formula("2500"),), annual_used=D("24000")))
    assert (q.regime, q.code) == (REFUSED, OVER_ANNUAL_LIMIT)


def test_ex6_tax_inclusive_price():
    q = quote(QuoteInput(lines=(formula("199.00"),), price_includes_tax=True))
    assert q.regime == CBEC
    assert q.goods_value == D("182.40")
    assert q.taxable_total == D("182.40")
    assert q.tax_total == D("16.60")
    assert q.vat == D("16.60") and q.consumption_tax == 0


def test_composite_rates():
    assert composite_rate(V13, D(0)) == D("0.091")
    assert str(composite_rate(V13, D("0.15")))[:8] == "0.230588"
    # full: t + (1 + t)(c + v)/(1 − c); the handbag: 0.1 + 1.1 × 0.13 = 0.243
    assert composite_rate(V13, D(0), D("0.1"), full=True) == D("0.243")


# ---------------------------------------------------------------------- limits

def test_exactly_single_limit_passes():
    q = quote(QuoteInput(lines=(formula("3000"), formula("2000"))))
    assert q.taxable_total == D("5000.00")
    assert (q.regime, q.code) == (CBEC, None)


def test_one_cent_over_single_limit_refused():
    q = quote(QuoteInput(lines=(formula("3000"), formula("2000")), freight=D("0.01")))
    assert (q.regime, q.code) == (REFUSED, OVER_SINGLE_LIMIT)


def test_exactly_annual_limit_passes():
    q = quote(QuoteInput(lines=(formula("2000"),), annual_used=D("24000")))
    assert (q.regime, q.code) == (CBEC, None)
    q = quote(QuoteInput(lines=(formula("2000"),), annual_used=D("24000.01")))
    assert (q.regime, q.code) == (REFUSED, OVER_ANNUAL_LIMIT)


def test_sole_item_full_tax_exactly_at_annual_limit():
    q = quote(QuoteInput(lines=(formula("6000"),), annual_used=D("20000")))
    assert q.regime == FULL_TAX
    q = quote(QuoteInput(lines=(formula("6000"),), annual_used=D("20000.01")))
    assert (q.regime, q.code) == (REFUSED, OVER_ANNUAL_LIMIT)


def test_sole_line_with_qty_two_is_not_sole_item():
    q = quote(QuoteInput(lines=(formula("3000", qty=2),)))
    assert (q.regime, q.code) == (REFUSED, OVER_SINGLE_LIMIT)


def test_single_limit_reported_before_annual():
    q = quote(QuoteInput(lines=(formula("3000"), formula("3000")), annual_used=D("25000")))
    assert q.code == OVER_SINGLE_LIMIT


def test_freight_counts_toward_single_limit():
    q = quote(QuoteInput(lines=(formula("2500"), formula("2490")), freight=D("20")))
    assert q.code == OVER_SINGLE_LIMIT


def test_limits_are_parameters():
    lines = (formula("1500"), formula("600"))
    old = quote(QuoteInput(lines=lines, single_limit=D("2000"), annual_limit=D("20000")))
    assert old.code == OVER_SINGLE_LIMIT
    assert quote(QuoteInput(lines=lines)).regime == CBEC


# ------------------------------------------------------------- apportion / rounding

def test_apportion_remainder_goes_to_last_line():
    # 10 / 3 = 3.333… → 3.33, 3.33 and the remainder 3.34 on the last line.
    assert apportion(D("10"), [D(1), D(1), D(1)]) == [D("3.33"), D("3.33"), D("3.34")]
    q = quote(QuoteInput(lines=(formula("100"), formula("100"), formula("100")),
                         freight=D("10"), insurance=D("1")))
    assert [x.freight_share for x in q.lines] == [D("3.33"), D("3.33"), D("3.34")]
    assert [x.insurance_share for x in q.lines] == [D("0.33"), D("0.33"), D("0.34")]
    assert q.taxable_total == D("311")


def test_apportion_never_negative():
    # Each of the first two rounds 0.005 up to 0.01: the gift line would get −0.01.
    shares = apportion(D("0.01"), [D(1), D(1), D(0)])
    assert sum(shares) == D("0.01")
    assert all(s >= 0 for s in shares)


def test_apportion_all_zero_weights_to_last_line():
    assert apportion(D("5"), [D(0), D(0)]) == [D("0.00"), D("5")]


def test_each_tax_rounded_once_half_up():
    # 5.00 × 0.091 = 0.455 → 0.46 (half up), not 0.45 (half even).
    q = quote(QuoteInput(lines=(formula("5.00"),)))
    assert q.vat == D("0.46")


def test_line_taxes_rounded_per_line_then_summed():
    # Each line 5.00 → VAT 0.455 → 0.46; order 0.92 (not round(0.91) of the sum).
    q = quote(QuoteInput(lines=(formula("5.00"), formula("5.00"))))
    assert [x.vat for x in q.lines] == [D("0.46"), D("0.46")]
    assert q.vat == D("0.92")


def test_vat_base_uses_full_statutory_ct():
    # CT 15% on 100: statutory 17.647…; VAT on 117.647… × 0.13 × 0.7 = 10.705…
    q = quote(QuoteInput(lines=(cosmetics("100"),)))
    assert q.consumption_tax == D("12.35")
    assert q.vat == D("10.71")


def test_full_tax_consumption_tax_with_tariff():
    # P 6000, t 10%, c 15%: CT = 6600/0.85×0.15 = 1164.705…; VAT = 7764.705…×0.13.
    q = quote(QuoteInput(lines=(LineInput("香水", 1, D("6000"), V13, D("0.15"), D("0.1")),)))
    assert q.regime == FULL_TAX
    assert (q.duty, q.consumption_tax, q.vat) == (D("600.00"), D("1164.71"), D("1009.41"))


def test_unit_price_with_five_decimals_kept_exact():
    q = quote(QuoteInput(lines=(formula("33.33333", qty=3),)))
    assert q.goods_value == D("99.99999")
    assert q.vat == D("9.10")


# --------------------------------------------------------------------------- 包税

def test_inclusive_cosmetics_split_ct_and_vat():
    q = quote(QuoteInput(lines=(cosmetics("615.29"),), price_includes_tax=True))
    net = q.goods_value
    assert net == D("500.00")
    assert q.tax_total == D("615.29") - net
    assert q.consumption_tax == D("61.76")
    assert q.consumption_tax + q.vat == q.tax_total


def test_inclusive_freight_is_added_on_top():
    q = quote(QuoteInput(lines=(formula("199.00"),), freight=D("10"),
                         price_includes_tax=True))
    line = q.lines[0]
    assert line.goods_value == D("182.40")
    assert line.taxable_price == D("192.40")
    # gross − net (16.60) plus the tax on the freight (10 × 9.1% = 0.91).
    assert line.tax == D("17.51")


def test_inclusive_sole_item_full_tax_uses_full_rate():
    bag = LineInput("手袋", 1, D("7458.00"), V13, tariff_rate=D("0.10"))
    q = quote(QuoteInput(lines=(bag,), price_includes_tax=True))
    assert q.regime == FULL_TAX
    assert q.goods_value == D("6000.00")
    assert (q.duty, q.vat, q.tax_total) == (D("600.00"), D("858.00"), D("1458.00"))


# -------------------------------------------------------- high-end cosmetics rule

@pytest.mark.parametrize(("rule", "price", "content", "unit", "expected"), [
    ("none", "999", "1", "ml", "0"),
    ("always", "1", "100", "ml", "0.15"),
    ("high_end_cosmetics", "500", "50", "ml", "0.15"),    # 10.00 per ml: taxed
    ("high_end_cosmetics", "499.99", "50", "ml", "0"),    # just under 10 per ml
    ("high_end_cosmetics", "300", "30", "g", "0.15"),
    ("high_end_cosmetics", "15", "1", "piece", "0.15"),   # 15 per piece: taxed
    ("high_end_cosmetics", "14.99", "1", "piece", "0"),
    ("high_end_cosmetics", "140", "10", "piece", "0"),    # 14 per sheet
])
def test_effective_consumption_tax_rate(rule, price, content, unit, expected):
    got = effective_consumption_tax_rate(rule, D("0.15"), D(price), D(content), unit)
    assert got == D(expected)


@pytest.mark.parametrize(("rule", "content", "unit"), [
    ("sometimes", "1", "ml"), ("high_end_cosmetics", "0", "ml"),
    ("high_end_cosmetics", "1", "kg"),
])
def test_effective_consumption_tax_rate_bad_input(rule, content, unit):
    with pytest.raises(DomainError) as exc:
        effective_consumption_tax_rate(rule, D("0.15"), D("100"), D(content), unit)
    assert exc.value.code == "invalid_input"


# ---------------------------------------------------------------- engine validation

@pytest.mark.parametrize(("inp", "code"), [
    (QuoteInput(lines=()), "no_lines"),
    (QuoteInput(lines=(formula("1"),) * 100), "too_many_lines"),
    (QuoteInput(lines=(LineInput("x", 0, D(1), V13),)), "invalid_qty"),
    (QuoteInput(lines=(LineInput("x", True, D(1), V13),)), "invalid_qty"),  # type: ignore[arg-type]
    (QuoteInput(lines=(LineInput("x", 1, D(-1), V13),)), "negative_amount"),
    (QuoteInput(lines=(LineInput("x", 1, 1.5, V13),)), "invalid_number"),  # type: ignore[arg-type]
    (QuoteInput(lines=(LineInput("x", 1, D("NaN"), V13),)), "invalid_number"),
    (QuoteInput(lines=(LineInput("x", 1, D("0.000001"), V13),)), "invalid_number"),
    (QuoteInput(lines=(LineInput("x", 1, D(1), D(1)),)), "invalid_rate"),
    (QuoteInput(lines=(LineInput("x", 1, D(1), V13, D("-0.1")),)), "invalid_rate"),
    (QuoteInput(lines=(formula("1"),), freight=D(-1)), "negative_amount"),
    (QuoteInput(lines=(formula("1"),), annual_used=D(-1)), "negative_amount"),
])
def test_engine_rejects_bad_input(inp, code):
    with pytest.raises(DomainError) as exc:
        quote(inp)
    assert exc.value.code == code
    assert exc.value.status == 422


def test_ninety_nine_lines_accepted():
    q = quote(QuoteInput(lines=(formula("1"),) * 99))
    assert len(q.lines) == 99


def test_tax_inclusive_split_is_per_unit_so_price_times_qty_is_exact():
    """包税 99.00 × 3 at 9 % VAT (composite 0.063): net unit 93.13, net line
    279.39 = 93.13 × 3 exactly (customs checks price × qty == totalPrice)."""
    from decimal import Decimal as D

    from shequn.taxes.engine import LineInput, QuoteInput, quote

    q = quote(QuoteInput(lines=(LineInput("蜂蜜", 3, D("99.00"), D("0.09")),),
                         price_includes_tax=True))
    (line,) = q.lines
    assert line.goods_value == D("279.39") and (line.goods_value / 3) == D("93.13")
    assert line.goods_value + line.tax == D("297.00")
