from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group

from shequn.accounts.models import User
from shequn.catalog import selectors, services
from shequn.catalog.models import SKU, Organization, Product
from shequn.core.errors import DomainError
from shequn.core.models import AuditLog
from tests.builders import make_gtin, make_org, make_positive_line, make_product, make_sku

pytestmark = pytest.mark.django_db


def _code(fn, *args, **kwargs) -> str:
    with pytest.raises(DomainError) as exc:
        fn(*args, **kwargs)
    return exc.value.code


def test_create_sku_refused_when_tariff_line_not_on_positive_list():
    product = make_product()
    assert _code(services.create_sku, product=product, code="X1", gmodel="g",
                 hs_code="9999999999", price="10.00") == "not_on_positive_list"
    assert not SKU.objects.filter(code="X1").exists()
    make_positive_line("99999999")
    sku = services.create_sku(product=product, code="X1", gmodel="g", hs_code="9999999999",
                              price="10.00")
    assert sku.hs_code == "9999999999"


def test_create_sku_checks_gtin_and_hs_code():
    product = make_product()
    make_positive_line("33049900")
    good = make_gtin()
    bad = good[:-1] + str((int(good[-1]) + 1) % 10)
    assert _code(services.create_sku, product=product, code="G1", gmodel="g",
                 hs_code="3304990099", price="1.00", gtin=bad) == "invalid_gtin"
    assert _code(services.create_sku, product=product, code="G1", gmodel="g",
                 hs_code="33049900", price="1.00", gtin=good) == "invalid_hs_code"
    assert SKU.objects.count() == 0
    assert services.create_sku(product=product, code="G1", gmodel="g", hs_code="3304990099",
                               price="1.00", gtin=good).gtin == good


def test_create_product_with_bad_sku_leaves_nothing():
    brand, seller = make_org(Organization.Kind.BRAND), make_org(Organization.Kind.EBC)
    make_positive_line("33049900")
    with pytest.raises(DomainError):
        services.create_product(
            brand=brand, seller=seller, name="面霜", origin_country="116",
            skus=[{"code": "A", "gmodel": "g", "hs_code": "3304990099", "price": "5.00"},
                  {"code": "B", "gmodel": "g", "hs_code": "0000000000", "price": "5.00"}])
    assert Product.objects.count() == 0 and SKU.objects.count() == 0


def test_seller_must_be_ebc():
    brand = make_org(Organization.Kind.BRAND)
    assert _code(services.create_product, brand=brand, seller=brand, name="x",
                 origin_country="116") == "invalid_organization"


def test_price_must_be_positive_cents_and_never_float():
    product = make_product()
    make_positive_line("33049900")
    for bad in ["0", "-1.00", "1.005", 9.9, "abc"]:
        assert _code(services.create_sku, product=product, code="P", gmodel="g",
                     hs_code="3304990099", price=bad) == "invalid_price"


def test_bonded_only_line_marks_sku_and_blocks_direct_mail():
    sku = make_sku(hs_code="1901101090", line_bonded_only=True)
    assert sku.bonded_only is True
    services.check_sellable(sku, 1, "1210")
    assert _code(services.check_sellable, sku, 1, "9610") == "bonded_only"


def test_bonded_only_flag_on_sku_alone_blocks_direct_mail():
    sku = make_sku(hs_code="3304990099", bonded_only=True)
    services.check_sellable(sku, 2, "1210")
    assert _code(services.check_sellable, sku, 2, "9610") == "bonded_only"
    plain = make_sku(hs_code="3304990099")
    services.check_sellable(plain, 2, "9610")


def test_qty_cap_from_positive_list():
    sku = make_sku(hs_code="2106909090", qty_cap=6)
    services.check_sellable(sku, 6, "1210")
    err_code = _code(services.check_sellable, sku, 7, "1210")
    assert err_code == "over_positive_list_qty_cap"
    assert _code(services.check_sellable, sku, 0, "1210") == "invalid_qty"


def test_inactive_sku_or_product_not_sellable():
    sku = make_sku()
    services.check_sellable(sku, 1, "1210")
    SKU.objects.filter(pk=sku.pk).update(active=False)
    sku.refresh_from_db()
    assert _code(services.check_sellable, sku, 1, "1210") == "sku_inactive"
    other = make_sku()
    Product.objects.filter(pk=other.product_id).update(active=False)
    other = SKU.objects.select_related("product").get(pk=other.pk)
    assert _code(services.check_sellable, other, 1, "1210") == "sku_inactive"


def test_line_removed_from_positive_list_stops_sale():
    sku = make_sku(hs_code="3401110000")
    services.check_sellable(sku, 1, "1210")
    from shequn.catalog.models import PositiveListLine

    PositiveListLine.objects.filter(tariff_line="34011100").delete()
    assert _code(services.check_sellable, sku, 1, "1210") == "not_on_positive_list"


def _user(name: str, groups: tuple[str, ...] = (), orgs: tuple[Organization, ...] = ()):
    user = User.objects.create_user(username=name, password="x")
    for g in groups:
        user.groups.add(Group.objects.get_or_create(name=g)[0])
    for org in orgs:
        org.members.add(user)
    return user


def test_set_price_by_seller_brand_operator_not_leader():
    sku = make_sku(price="100.00")
    product = sku.product
    seller_staff = _user("seller", orgs=(product.seller,))
    brand_staff = _user("brand", groups=("brand_staff",), orgs=(product.brand,))
    operator = _user("op", groups=("operator",))
    leader = _user("leader", groups=("leader",))
    stranger = _user("stranger", groups=("brand_staff",), orgs=(make_org(),))

    services.set_price(sku, "88.00", seller_staff)
    assert SKU.objects.get(pk=sku.pk).price == Decimal("88.00")
    services.set_price(sku, "77.50", brand_staff)
    services.set_price(sku, Decimal("66.00"), operator)
    assert SKU.objects.get(pk=sku.pk).price == Decimal("66.00")
    assert AuditLog.objects.filter(action="catalog.set_price").count() == 3

    for who in (leader, stranger, None):
        assert _code(services.set_price, sku, "1.00", who) == "price_forbidden"
    # A leader who is also in the brand's organisation is still refused.
    product.brand.members.add(leader)
    assert _code(services.set_price, sku, "1.00", leader) == "price_forbidden"
    assert SKU.objects.get(pk=sku.pk).price == Decimal("66.00")


def test_selectors():
    sku = make_sku(price="30.00")
    cheaper = make_sku(product=sku.product, price="20.00")
    hidden = make_sku(product=sku.product, price="1.00")
    SKU.objects.filter(pk=hidden.pk).update(active=False)
    gone = make_sku()
    Product.objects.filter(pk=gone.product_id).update(active=False)

    products = list(selectors.product_list())
    assert [p.id for p in products] == [sku.product_id]
    assert [s.id for s in products[0].skus.all()] == [cheaper.id, sku.id]
    assert selectors.get_sku(sku.id).code == sku.code
    assert _code(selectors.get_sku, 10**9) == "unknown_sku"
    assert selectors.product_detail(sku.product_id).id == sku.product_id
    assert _code(selectors.product_detail, gone.product_id) == "unknown_product"


def test_product_list_query_count(django_assert_max_num_queries):
    product = make_product()
    for _ in range(3):
        make_sku(product=product)
    for _ in range(3):
        make_sku()
    with django_assert_max_num_queries(2):
        total = sum(len(p.skus.all()) for p in selectors.product_list())
    assert total == 6
