"""The demo seed: idempotent, deterministic, and its data obeys the customs rules."""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.contrib.auth import authenticate
from django.core import signing
from django.core.management import call_command
from django.db.models import Sum
from stdnum import ean

from shequn.catalog.models import SKU, PositiveListLine
from shequn.core import pii
from shequn.demo import seeding as demo
from shequn.inventory.models import Stock, StockMove, Warehouse
from shequn.shops.models import Listing

pytestmark = pytest.mark.django_db

SEEDED_APPS = ("accounts", "auth", "catalog", "inventory", "shops", "brands", "logistics")


def _counts() -> dict[str, int]:
    return {
        m._meta.label: m.objects.count()
        for label in SEEDED_APPS
        for m in apps.get_app_config(label).get_models()
    }


def test_seeding_twice_creates_nothing_new():
    demo.seed()
    first = _counts()
    on_hand = dict(Stock.objects.values_list("id", "on_hand"))
    demo.seed()
    assert _counts() == first
    assert dict(Stock.objects.values_list("id", "on_hand")) == on_hand
    # Not an empty seed: the main tables are filled (the supply side adds a
    # product awaiting review and the stock of a received ASN on top).
    assert first["catalog.SKU"] > len(demo.PRODUCTS)
    assert first["inventory.Stock"] > len(demo.PRODUCTS) * len(demo.BATCHES)
    assert first["brands.Grant"] and first["logistics.ASN"] and first["brands.Membership"]


def test_reseed_does_not_top_up_used_stock():
    data = demo.seed()
    stock = Stock.objects.filter(sku=data.skus["KD-IF3-900"]).order_by("id").first()
    Stock.objects.filter(pk=stock.pk).update(on_hand=stock.on_hand - 5)
    demo.seed()
    stock.refresh_from_db()
    assert stock.on_hand == demo.BATCHES[0][3] - 5


def test_gtin_and_hs_codes_are_valid_and_on_the_positive_list():
    demo.seed()
    listed = set(PositiveListLine.objects.values_list("tariff_line", flat=True))
    skus = list(SKU.objects.all())
    assert skus
    for sku in skus:
        assert ean.is_valid(sku.gtin), sku.code
        assert len(sku.hs_code) == 10 and sku.hs_code.isdigit(), sku.code
        assert sku.hs_code[:8] in listed, sku.code


def test_stock_ledger_matches_stock_rows():
    demo.seed()
    demo.seed()
    stocks = list(Stock.objects.all())
    assert stocks
    for stock in stocks:
        sums = StockMove.objects.filter(stock=stock).aggregate(
            on_hand=Sum("on_hand_delta"), reserved=Sum("reserved_delta"))
        assert sums["on_hand"] == stock.on_hand
        assert sums["reserved"] == stock.reserved
        assert stock.sku_id == stock.batch.sku_id


def test_demo_passwords_work_and_roles_are_set():
    data = demo.seed()
    demo.seed()  # a re-run must not break the passwords
    for username, password in (demo.OPS_LOGIN, demo.ADMIN_LOGIN, demo.LEADER_LOGIN,
                               demo.BRAND_LOGIN):
        user = authenticate(username=username, password=password)
        assert user is not None, username
        assert authenticate(username=username, password=password + "x") is None
    assert data.operator.is_staff and data.operator.has_role("operator")
    assert data.admin.is_superuser
    assert data.leader.has_role("leader") and data.shop.owner_id == data.leader.id
    assert data.brand_user.has_role("brand_staff")
    assert data.brands["sakura"].members.filter(pk=data.brand_user.pk).exists()


def test_buyer_phone_is_encrypted_and_findable_by_hash():
    data = demo.seed()
    buyer = data.buyer
    assert buyer.phone_hash == pii.lookup_hash(demo.BUYER_PHONE)
    assert buyer.username == "p_" + buyer.phone_hash[:16]
    assert demo.BUYER_PHONE not in buyer.phone_enc
    assert pii.decrypt(buyer.phone_enc) == demo.BUYER_PHONE
    assert buyer.phone_masked == "138****8000"
    assert not buyer.has_usable_password()


def test_stock_placement_follows_trade_modes():
    data = demo.seed()
    bonded = data.warehouses[demo.BONDED_WH]
    direct = data.warehouses[demo.DIRECT_WH]
    assert (bonded.trade_mode, direct.trade_mode) == ("1210", "9610")
    for spec in demo.PRODUCTS:
        sku = data.skus[spec.code]
        homes = set(Stock.objects.filter(sku=sku).values_list("warehouse__code", flat=True))
        assert homes == {spec.warehouse}, spec.code
        if sku.bonded_only or PositiveListLine.objects.get(
                tariff_line=sku.hs_code[:8]).bonded_only:
            assert direct.code not in homes
    assert Stock.objects.filter(warehouse__kind=Warehouse.Kind.DIRECT_MAIL).exists()


def test_cosmetics_prices_straddle_the_high_end_threshold():
    data = demo.seed()
    per_ml = {code: sku.price / sku.net_content for code, sku in data.skus.items()
              if sku.net_content_unit == SKU.ContentUnit.ML}
    assert per_ml["SB-SERUM-30"] >= Decimal("10")
    assert per_ml["SB-LOTION-200"] < Decimal("10")


def test_shop_lists_every_product():
    data = demo.seed()
    listed = set(Listing.objects.filter(shop=data.shop).values_list("product_id", flat=True))
    assert listed == {sku.product_id for sku in data.skus.values()}
    assert data.shop.slug == "xiaolin"


def test_product_images_exist():
    from pathlib import Path

    import shequn.web

    static = Path(shequn.web.__file__).parent / "static"
    data = demo.seed()
    for sku in data.skus.values():
        image = sku.product.image
        assert image.startswith("/static/img/products/")
        assert (static / image.removeprefix("/static/")).is_file(), image


def test_command_prints_store_url_and_a_valid_share_link():
    out = StringIO()
    call_command("seed_demo", stdout=out, skip_checks=True)
    text = out.getvalue()
    assert "http://127.0.0.1:8000/s/xiaolin/" in text
    for username, password in (demo.OPS_LOGIN, demo.LEADER_LOGIN):
        assert f"{username} / {password}" in text
    token = text.split("http://127.0.0.1:8000/t/", 1)[1].split("/", 1)[0]
    payload = signing.loads(token, salt="shequn.share")
    shop = demo.seed().shop
    assert payload["s"] == shop.id and payload["u"] == shop.owner_id


def test_staging_refuses_the_published_passwords(settings):
    from django.core.management.base import CommandError

    from shequn.accounts.models import User

    settings.SHEQUN_ENV = "staging"
    with pytest.raises(CommandError, match="--staff-password"):
        call_command("seed_demo", stdout=StringIO(), skip_checks=True)
    with pytest.raises(CommandError, match="12 characters"):
        call_command("seed_demo", "--staff-password", "short", stdout=StringIO(),
                     skip_checks=True)
    assert not User.objects.exists()


def test_staging_staff_password_replaces_every_demo_password(settings):
    settings.SHEQUN_ENV = "staging"
    out = StringIO()
    secret = "a-staging-password-9"
    call_command("seed_demo", "--staff-password", secret, stdout=out, skip_checks=True)
    text = out.getvalue()
    assert secret not in text and "/sim/sms/" in text
    for username, published in (demo.OPS_LOGIN, demo.ADMIN_LOGIN, demo.LEADER_LOGIN,
                                demo.BRAND_LOGIN, ("leader2", demo.LEADER_LOGIN[1])):
        assert published not in text
        assert authenticate(username=username, password=published) is None
        assert authenticate(username=username, password=secret) is not None, username


def test_every_product_and_organization_has_an_english_name():
    """English pages show English names (catalog.names): the demo has them all."""
    from shequn.catalog.models import Organization, Product

    demo.seed()
    assert Product.objects.exists() and Organization.objects.exists()
    assert list(Product.objects.filter(name_en="").values_list("name", flat=True)) == []
    assert list(Organization.objects.filter(name_en="").values_list("name", flat=True)) == []


def test_every_product_and_sku_has_its_english_text():
    """English store pages show the English description and option label: the demo
    has them all, and its Chinese descriptions are Chinese only (no mixed text)."""
    from shequn.catalog.models import SKU, Product

    demo.seed()
    assert list(Product.objects.filter(description_en="").values_list("name", flat=True)) == []
    assert list(SKU.objects.filter(label_en="").values_list("code", flat=True)) == []
    for description in Product.objects.values_list("description", flat=True):
        assert not any("a" <= ch.lower() <= "z" for ch in description), description
