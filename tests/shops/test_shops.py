from __future__ import annotations

import datetime as dt
import inspect
import logging
from decimal import Decimal

import pytest
from django.test import Client

from shequn.accounts import roles
from shequn.checkout.models import Cart
from shequn.core import clock
from shequn.core.errors import DomainError
from shequn.shops import selectors, services, tokens
from shequn.shops.models import Listing, ShareVisit, Shop
from tests.builders import make_operator, make_sku, make_user

pytestmark = pytest.mark.django_db


def _owner():
    """A user with the leader role: the shops layer knows roles, not applications."""
    return make_user(role_names=(roles.LEADER,))


def _code(fn, *args, **kw) -> DomainError:
    with pytest.raises(DomainError) as ei:
        fn(*args, **kw)
    return ei.value


def _shop(owner=None, slug="lili-shop") -> Shop:
    return services.create_shop(owner or _owner(), slug, "丽丽的小店", "进口好物")


def _sellable_product():
    sku = make_sku()
    return sku.product


# ---- shops --------------------------------------------------------------------------

def test_only_leaders_create_shops():
    err = _code(services.create_shop, make_user(), "buyer-shop", "买家店")
    assert err.code == "not_leader" and err.status == 403
    assert not Shop.objects.exists()
    shop = _shop()
    assert shop.slug == "lili-shop" and shop.active


@pytest.mark.parametrize("slug", ["ab", "Has Space", "bad_slug", "-lead", "admin", "x" * 41,
                                  "a--b", "中文"])
def test_invalid_slug_refused(slug):
    assert _code(services.create_shop, _owner(), slug, "店").code == "invalid_slug"


def test_slug_taken_and_name_html_refused():
    _shop(slug="taken")
    err = _code(services.create_shop, _owner(), "taken", "另一家")
    assert err.code == "slug_taken" and err.status == 409
    assert _code(services.create_shop, _owner(), "fresh", "<b>x</b>").code == \
        "invalid_shop_name"


def test_control_characters_in_name_or_intro_refused():
    # A NUL byte reached PostgreSQL (text cannot hold it) and the console answered 500.
    owner = _owner()
    assert _code(services.create_shop, owner, "nul-shop", "a\x00b").code == \
        "invalid_shop_name"
    shop = _shop(owner)
    assert _code(services.update_shop, shop, owner, "a\x00b", "").code == \
        "invalid_shop_name"
    assert _code(services.update_shop, shop, owner, "店", "x\x00y").code == "invalid_intro"
    services.update_shop(shop, owner, "店", "第一行\n第二行")  # line breaks stay allowed


def test_update_shop_owner_or_operator_only():
    owner = _owner()
    shop = _shop(owner)
    assert _code(services.update_shop, shop, _owner(), "抢店", "").code == "not_shop_owner"
    services.update_shop(shop, owner, "新名字", "简介")
    services.update_shop(shop, make_operator(), "运营改名", "")
    shop.refresh_from_db()
    assert shop.name == "运营改名"


def test_get_shop_by_slug():
    shop = _shop()
    assert selectors.get_shop_by_slug("LILI-SHOP").pk == shop.pk
    err = _code(selectors.get_shop_by_slug, "missing")
    assert err.code == "shop_not_found" and err.status == 404
    Shop.objects.filter(pk=shop.pk).update(active=False)
    assert _code(selectors.get_shop_by_slug, "lili-shop").code == "shop_not_found"


# ---- listings -----------------------------------------------------------------------

def test_listing_has_no_price_and_services_accept_none():
    assert not [f.name for f in Listing._meta.get_fields() if "price" in f.name]
    assert "price" not in inspect.signature(services.add_listing).parameters
    owner = _owner()
    shop = _shop(owner)
    sku = make_sku(price="128.00")
    with pytest.raises(TypeError):
        services.add_listing(shop, owner, sku.product, price=Decimal("1.00"))
    listing = services.add_listing(shop, owner, sku.product)
    sku.refresh_from_db()
    assert sku.price == Decimal("128.00")
    assert listing.product_id == sku.product_id


def test_add_listing_rules():
    owner = _owner()
    shop = _shop(owner)
    product = _sellable_product()
    assert _code(services.add_listing, shop, _owner(), product).code == "not_shop_owner"
    listing = services.add_listing(shop, owner, product)
    assert services.add_listing(shop, owner, product).pk == listing.pk  # idempotent
    inactive = _sellable_product()
    inactive.active = False
    inactive.save()
    assert _code(services.add_listing, shop, owner, inactive).code == "product_inactive"
    dead_sku = make_sku()
    dead_sku.active = False  # an active product whose only SKU cannot be sold
    dead_sku.save()
    err = _code(services.add_listing, shop, owner, dead_sku.product)
    assert err.code == "product_not_sellable"
    services.add_listing(shop, make_operator(), _sellable_product())
    assert shop.listings.count() == 2


def test_remove_listing_and_shop_listings_queries(django_assert_max_num_queries):
    owner = _owner()
    shop = _shop(owner)
    listings = [services.add_listing(shop, owner, _sellable_product()) for _ in range(4)]
    services.remove_listing(shop, owner, listings[0])
    with django_assert_max_num_queries(3):
        rows = list(selectors.shop_listings(shop))
        skus = [s.code for row in rows for s in row.product.skus.all()]
        names = [row.product.name for row in rows]
    assert [r.pk for r in rows] == [x.pk for x in listings[1:]]
    assert len(skus) == 3 and len(names) == 3
    other = _shop(_owner(), slug="other-shop")
    assert _code(services.remove_listing, other, owner, listings[1]).code == "not_shop_owner"


# ---- share tokens -------------------------------------------------------------------

def test_share_token_round_trip():
    owner = _owner()
    shop = _shop(owner)
    listing = services.add_listing(shop, owner, _sellable_product())
    t = tokens.make_share_token(shop, listing, channel="poster")
    p = tokens.read_share_token(t)
    assert (p.shop_id, p.listing_id, p.leader_id, p.channel) == (shop.pk, listing.pk, owner.pk,
                                                                 "poster")
    assert abs((p.issued_at - clock.now()).total_seconds()) < 5
    p2 = tokens.read_share_token(tokens.make_share_token(shop))
    assert p2.listing_id is None and p2.channel == "link"
    url = services.share_url(shop, listing)
    assert url.startswith("/t/") and url.endswith("/")
    assert tokens.read_share_token(url[3:-1]).listing_id == listing.pk
    assert _code(tokens.make_share_token, shop, None, "sms").code == "invalid_channel"


def _reason(token: str) -> str:
    err = _code(tokens.read_share_token, token)
    assert err.code == "invalid_share_token"
    return err.detail["reason"]


def test_tampered_expired_and_revoked_tokens_refused():
    owner = _owner()
    shop = _shop(owner)
    t = tokens.make_share_token(shop)
    flipped = t[:-1] + ("A" if t[-1] != "A" else "B")
    assert _reason(flipped) == "bad_signature"
    assert _reason("not-a-token") == "bad_signature"
    clock.advance(dt.timedelta(days=31))
    assert _reason(t) == "expired"
    assert tokens.read_share_token(t, max_age_days=60).shop_id == shop.pk
    clock.reset()
    shop.owner = _owner()
    shop.save()
    assert _reason(t) == "not_owner"
    shop.owner = owner
    shop.active = False
    shop.save()
    assert _reason(t) == "shop_inactive"


def test_open_share_link_attributes_cart_last_valid_wins():
    a, b = _owner(), _owner()
    shop_a, shop_b = _shop(a, "shop-a"), _shop(b, "shop-b")
    cart = Cart.objects.create(user=make_user())
    visit = services.open_share_link(tokens.make_share_token(shop_a, channel="code"),
                                     session_key="s1", cart=cart)
    assert visit.valid and visit.shop_id == shop_a.pk and visit.leader_id == a.pk
    cart.refresh_from_db()
    assert (cart.shop_id, cart.leader_id, cart.attribution_channel) == (shop_a.pk, a.pk, "code")
    assert cart.attributed_at is not None
    services.open_share_link(tokens.make_share_token(shop_b), session_key="s1", cart=cart)
    cart.refresh_from_db()
    assert (cart.shop_id, cart.leader_id) == (shop_b.pk, b.pk)
    # Without a cart the visit is still recorded.
    assert services.open_share_link(tokens.make_share_token(shop_a), session_key="s2",
                                    cart=None).valid
    assert ShareVisit.objects.filter(valid=True).count() == 3


def test_tampered_token_records_invalid_visit_and_does_not_attribute(caplog):
    leader = _owner()
    shop = _shop(leader)
    cart = Cart.objects.create()
    t = tokens.make_share_token(shop)
    with caplog.at_level(logging.WARNING, logger="shequn"):
        visit = services.open_share_link(t[:-2] + "xx", session_key="s3", cart=cart)
    assert not visit.valid and visit.reason == "bad_signature" and visit.shop_id is None
    assert "invalid share token" in caplog.text
    cart.refresh_from_db()
    assert cart.leader_id is None and cart.shop_id is None and cart.attributed_at is None


def test_expired_token_does_not_attribute():
    shop = _shop()
    t = tokens.make_share_token(shop)
    clock.advance(dt.timedelta(days=31))
    cart = Cart.objects.create()
    visit = services.open_share_link(t, session_key="s4", cart=cart)
    assert not visit.valid and visit.reason == "expired"
    cart.refresh_from_db()
    assert cart.leader_id is None


def test_leader_opening_own_link_does_not_attribute_self():
    leader = _owner()
    shop = _shop(leader)
    cart = Cart.objects.create(user=leader)
    visit = services.open_share_link(tokens.make_share_token(shop), session_key="s5", cart=cart)
    assert visit.valid
    cart.refresh_from_db()
    assert cart.leader_id is None


def test_admin_pages_render():
    owner = _owner()
    shop = _shop(owner)
    services.add_listing(shop, owner, _sellable_product())
    services.open_share_link("bad", session_key="", cart=None)
    c = Client()
    c.force_login(make_user(is_staff=True, is_superuser=True))
    assert c.get(f"/admin/shops/shop/{shop.pk}/change/").status_code == 200
    assert c.get("/admin/shops/sharevisit/").status_code == 200
    assert c.get("/admin/accounts/user/").status_code == 200
