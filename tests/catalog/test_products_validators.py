"""Every check of a field a brand enters refuses with its own code, and the review
rules: brand products wait for an operator, tax changes become change requests."""

from __future__ import annotations

from decimal import Decimal

import pytest

from shequn.catalog import editing, services
from shequn.catalog import validators as v
from shequn.catalog.models import ChangeRequest, Product
from shequn.core.errors import DomainError
from shequn.core.models import AuditLog
from tests.builders.catalog import make_positive_line
from tests.builders.people import make_operator
from tests.builders.products import approved_product, brand_side, product_data, sku_data

pytestmark = pytest.mark.django_db


def _code(fn, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as info:
        fn(*args, **kwargs)
    return info.value.code


# --------------------------------------------------------------------------- pure validators

@pytest.mark.parametrize("unit", ["999", "abc", "", None, "0111"])
def test_unit_refused(unit):
    assert _code(v.validate_unit, unit) == "invalid_unit"


def test_unit_accepts_codes_and_pads():
    assert v.validate_unit("011") == "011"
    assert v.validate_unit("35") == "035"
    assert v.validate_unit(142) == "142"


@pytest.mark.parametrize("country", ["JPN", "000", "999", ""])
def test_country_refused(country):
    assert _code(v.validate_country, country) == "invalid_country"


def test_country_accepted():
    assert v.validate_country("116") == "116"
    assert v.country_codes()["601"] == "澳大利亚"


@pytest.mark.parametrize("rate", ["13", "0.12", "-0.13", "x", "NaN", "Infinity"])
def test_vat_refused(rate):
    assert _code(v.validate_vat_rate, rate) in ("invalid_vat_rate", "invalid_number")


@pytest.mark.parametrize(("rate", "rule"), [
    ("0.15", "none"),              # a rate without a rule
    ("0", "always"),               # a rule without a rate
    ("0", "high_end_cosmetics"),
    ("1.5", "always"),             # not a fraction
    ("0.15", "luxury"),            # unknown rule
])
def test_consumption_tax_inconsistent(rate, rule):
    assert _code(v.validate_consumption_tax, rate, rule) == "invalid_consumption_tax"


def test_consumption_tax_consistent():
    assert v.validate_consumption_tax("0.15", "high_end_cosmetics") == (
        Decimal("0.1500"), "high_end_cosmetics")
    assert v.validate_consumption_tax("0", "none") == (Decimal("0.0000"), "none")


@pytest.mark.parametrize(("amount", "unit"), [("0", "ml"), ("-1", "g"), ("30", ""),
                                              ("30", "kg"), ("abc", "ml")])
def test_net_content_refused(amount, unit):
    assert _code(v.validate_net_content, amount, unit) == "invalid_net_content"


@pytest.mark.parametrize(("net", "gross"), [("0", "0.1"), ("0.2", "0.1"), ("-1", "1"),
                                            ("x", "1")])
def test_weights_refused(net, gross):
    assert _code(v.validate_weights, net, gross) == "invalid_weight"


def test_bonded_only_required_by_the_list():
    assert _code(v.validate_bonded_only, False, True) == "bonded_only_required"
    assert v.validate_bonded_only(True, True) is True


# --------------------------------------------------------------------------- clean_sku

@pytest.mark.parametrize(("field", "value", "code"), [
    ("gtin", "4901234567890", "invalid_gtin"),
    ("hs_code", "33049900", "invalid_hs_code"),
    ("hs_code", "9999999999", "not_on_positive_list"),
    ("unit", "998", "invalid_unit"),
    ("legal_unit1", "x", "invalid_unit"),
    ("legal_qty1_per_unit", "0", "invalid_legal_quantity"),
    ("legal_unit2", "035", "second_legal_unit_mismatch"),
    ("net_weight_kg", "0", "invalid_weight"),
    ("net_content", "0", "invalid_net_content"),
    ("vat_rate", "0.17", "invalid_vat_rate"),
    ("consumption_tax_rate", "0", "invalid_consumption_tax"),
    ("tariff_rate", "2", "invalid_rate"),
    ("price", "0", "invalid_price"),
    ("price", "9.999", "invalid_price"),
    ("code", "", "required"),
    ("code", "bad code!", "invalid_choice"),
    ("gmodel", "", "required"),
])
def test_clean_sku_refuses_each_field(field, value, code):
    brand_side()
    with pytest.raises(editing.FieldErrors) as info:
        editing.clean_sku(sku_data(**{field: value}))
    err = info.value
    assert err.code == "invalid_fields" and err.status == 422
    assert err.fields[field].code == code
    assert err.as_dict()["fields"][field]["code"] == code


def test_clean_sku_bonded_only_line_requires_the_flag():
    brand_side()
    make_positive_line("21069090", bonded_only=True)
    with pytest.raises(editing.FieldErrors) as info:
        editing.clean_sku(sku_data(hs_code="2106909090", consumption_tax_rate="0",
                                   consumption_tax_rule="none"))
    assert info.value.fields["bonded_only"].code == "bonded_only_required"
    assert editing.clean_sku(sku_data(hs_code="2106909090", bonded_only=True,
                                      consumption_tax_rate="0",
                                      consumption_tax_rule="none"))["bonded_only"] is True


def test_all_field_errors_together_and_nothing_written():
    side = brand_side()
    with pytest.raises(editing.FieldErrors) as info:
        editing.create_product(side.brand, side.staff,
                               product_data(side, name="", origin_country="XYZ"),
                               [sku_data(vat_rate="0.5"), sku_data(unit="000")])
    fields = info.value.fields
    assert fields["name"].code == "required"
    assert fields["origin_country"].code == "invalid_country"
    assert fields["sku0.vat_rate"].code == "invalid_vat_rate"
    assert fields["sku1.unit"].code == "invalid_unit"
    assert not Product.objects.filter(brand=side.brand).exists()


def test_seller_must_be_an_ebc():
    side = brand_side()
    other_brand = brand_side().brand
    with pytest.raises(editing.FieldErrors) as info:
        editing.create_product(side.brand, side.staff,
                               product_data(side, seller=other_brand.pk), [sku_data()])
    assert info.value.fields["seller"].code == "invalid_organization"


# --------------------------------------------------------------------------- review

def test_brand_product_is_not_sellable_until_approved():
    side = brand_side()
    operator = make_operator()
    product = editing.create_product(side.brand, side.staff, product_data(side), [sku_data()])
    assert product.review_state == Product.ReviewState.DRAFT
    sku = product.skus.get()
    assert _code(services.check_sellable, sku, 1, "1210") == "product_not_approved"
    # an operator cannot approve a draft: the brand submits first
    assert _code(editing.decide_product, product.pk, operator, True, "ok") == "bad_review_state"
    editing.submit(side.brand, side.staff, product.pk)
    assert _code(services.check_sellable, sku, 1, "1210") == "product_not_approved"
    assert _code(editing.decide_product, product.pk, operator, True, "") == "note_required"
    editing.decide_product(product.pk, operator, True, "checked HS and units")
    sku.refresh_from_db()
    services.check_sellable(sku, 1, "1210")  # no error
    assert AuditLog.objects.filter(action="catalog.product_approve",
                                   object_id=str(product.pk)).exists()


def test_rejected_product_stays_unsold_and_can_be_resubmitted():
    side = brand_side()
    operator = make_operator()
    product = editing.create_product(side.brand, side.staff, product_data(side), [sku_data()],
                                     submit=True)
    editing.decide_product(product.pk, operator, False, "wrong HS code")
    product.refresh_from_db()
    assert product.review_state == Product.ReviewState.REJECTED
    assert _code(services.check_sellable, product.skus.get(), 1, "1210") == \
        "product_not_approved"
    editing.submit(side.brand, side.staff, product.pk)
    product.refresh_from_db()
    assert product.review_state == Product.ReviewState.PENDING


def test_only_operators_decide():
    side = brand_side()
    product = editing.create_product(side.brand, side.staff, product_data(side), [sku_data()],
                                     submit=True)
    assert _code(editing.decide_product, product.pk, side.staff, True, "me") == "operator_only"


def test_store_selectors_skip_unapproved():
    from shequn.catalog import selectors

    side = brand_side()
    product = editing.create_product(side.brand, side.staff, product_data(side), [sku_data()],
                                     submit=True)
    assert product not in list(selectors.product_list())
    assert _code(selectors.product_detail, product.pk) == "unknown_product"
    editing.decide_product(product.pk, make_operator(), True, "ok")
    assert product in list(selectors.product_list())


def test_tax_change_becomes_a_change_request_then_applies():
    side = brand_side()
    operator = make_operator()
    product = approved_product(side, operator)
    sku = product.skus.get()
    _s, cr = editing.update_sku(side.brand, side.staff, sku.pk,
                                {"vat_rate": "0.09", "gmodel": "新规格|30ml", "price": "188.00"})
    sku.refresh_from_db()
    # non-tax fields and the price apply at once; the VAT waits
    assert sku.gmodel == "新规格|30ml" and sku.price == Decimal("188.00")
    assert sku.vat_rate == Decimal("0.13")
    assert cr is not None and cr.changes == {"vat_rate": ["0.13", "0.09"]}
    services.check_sellable(sku, 1, "1210")  # still sold with the approved values
    editing.decide_change(cr.pk, operator, True, "9 % is right for this line")
    sku.refresh_from_db()
    assert sku.vat_rate == Decimal("0.09")
    assert AuditLog.objects.filter(action="catalog.change_approve").exists()


def test_rejected_change_keeps_the_values():
    side = brand_side()
    operator = make_operator()
    product = approved_product(side, operator)
    sku = product.skus.get()
    _s, cr = editing.update_sku(side.brand, side.staff, sku.pk, {"hs_code": "3304990099",
                                                                  "net_content": "50"})
    assert cr is not None and set(cr.changes) == {"net_content"}
    editing.decide_change(cr.pk, operator, False, "no proof")
    sku.refresh_from_db()
    assert sku.net_content == Decimal("30")
    cr.refresh_from_db()
    assert cr.state == ChangeRequest.State.REJECTED
    assert _code(editing.decide_change, cr.pk, operator, True, "again") == \
        "change_request_decided"


def test_origin_change_of_approved_product_waits():
    side = brand_side()
    operator = make_operator()
    product = approved_product(side, operator)
    _p, cr = editing.update_product(side.brand, side.staff, product.pk,
                                    {"origin_country": "601", "name": "新名字"})
    product.refresh_from_db()
    assert product.name == "新名字" and product.origin_country == "116"
    assert cr is not None
    editing.decide_change(cr.pk, operator, True, "ok")
    product.refresh_from_db()
    assert product.origin_country == "601" and product.origin_country_name == "澳大利亚"


def test_new_sku_on_approved_product_waits_inactive():
    side = brand_side()
    operator = make_operator()
    product = approved_product(side, operator)
    sku, cr = editing.create_sku(side.brand, side.staff, product.pk, sku_data())
    assert not sku.active and cr is not None
    assert _code(services.check_sellable, sku, 1, "1210") == "sku_inactive"
    editing.decide_change(cr.pk, operator, True, "ok")
    sku.refresh_from_db()
    assert sku.active
    services.check_sellable(sku, 1, "1210")


def test_invalid_change_refused_and_nothing_written():
    side = brand_side()
    product = approved_product(side, make_operator())
    sku = product.skus.get()
    assert _code(editing.update_sku, side.brand, side.staff, sku.pk,
                 {"vat_rate": "0.5"}) == "invalid_fields"
    assert not ChangeRequest.objects.exists()


def test_another_brand_cannot_edit():
    side, other = brand_side(), brand_side()
    product = approved_product(side, make_operator())
    sku = product.skus.get()
    assert _code(editing.update_product, other.brand, other.staff, product.pk,
                 {"name": "x"}) == "not_your_product"
    assert _code(editing.update_sku, other.brand, other.staff, sku.pk,
                 {"price": "1.00"}) == "unknown_sku"
    assert _code(editing.create_sku, other.brand, other.staff, product.pk,
                 sku_data()) == "not_your_product"


def test_seller_of_record_sees_the_product_too():
    side = brand_side()
    product = editing.create_product(side.brand, side.staff, product_data(side), [sku_data()])
    assert product in editing.products_of(side.seller)
