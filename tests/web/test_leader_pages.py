"""Leader console: access by role, shop edit, listing toggle, share links with
a local QR code, attributed orders with buyers masked."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from shequn.accounts.models import User
from shequn.core.models import AuditLog
from shequn.demo import seeding as demo
from shequn.orders.models import Order
from shequn.shops.models import Listing, ShareVisit, Shop
from tests.builders import make_buyer, place_order_for, place_paid_order, resident_id

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
KNOWN_ID = resident_id("440304", "19880101", "456")
KNOWN_PHONE = "13688889999"
PAGES = ("leader:home", "leader:products", "leader:share", "leader:orders")


@pytest.fixture
def data() -> demo.DemoData:
    return demo.seed()


@pytest.fixture
def leader(data: demo.DemoData) -> Client:
    c = Client()
    c.force_login(data.leader)
    return c


# --------------------------------------------------------------------------- access

def test_every_page_renders_for_the_leader(leader: Client, data: demo.DemoData):
    for name in PAGES:
        resp = leader.get(reverse(name))
        assert resp.status_code == 200, name
        assert "console.css" in resp.content.decode()
    home = leader.get(reverse("leader:home")).content.decode()
    assert data.shop.name in home
    assert f"/s/{data.shop.slug}/" in home
    assert "佣金" in home and "销售主体" in home


def test_a_buyer_is_refused(data: demo.DemoData):
    c = Client()
    c.force_login(make_buyer())
    for name in PAGES:
        assert c.get(reverse(name)).status_code == 403, name
    product = data.skus["SB-SERUM-30"].product
    assert c.post(reverse("leader:toggle", args=[product.pk]), **HX).status_code == 403


def test_an_operator_without_the_leader_role_is_refused(data: demo.DemoData):
    c = Client()
    c.force_login(data.operator)
    assert c.get(reverse("leader:home")).status_code == 403


def test_anonymous_is_sent_to_login():
    for name in PAGES:
        resp = Client().get(reverse(name))
        assert resp.status_code == 302
        assert resp["Location"].startswith("/login/?next=")


def test_a_leader_without_a_shop_can_open_one(data: demo.DemoData):
    user = User.objects.create_user("newleader", password="x-pass-2026")
    user.groups.add(Group.objects.get(name="leader"))
    c = Client()
    c.force_login(user)
    resp = c.get(reverse("leader:home"))
    assert resp.status_code == 200 and "开通您的店铺" in resp.content.decode()
    resp = c.post(reverse("leader:shop_create"), {"slug": "newbie", "name": "新手小店"})
    assert resp.status_code == 302
    assert Shop.objects.get(slug="newbie").owner == user
    assert "新手小店" in c.get(reverse("leader:home")).content.decode()


# --------------------------------------------------------------------------- shop

def test_update_shop_name_and_intro(leader: Client, data: demo.DemoData):
    resp = leader.post(reverse("leader:shop_update"),
                       {"name": "小林的好物铺", "intro": "新的简介"}, **HX)
    assert resp.status_code == 200
    assert "已保存" in resp.content.decode()
    data.shop.refresh_from_db()
    assert (data.shop.name, data.shop.intro) == ("小林的好物铺", "新的简介")
    assert AuditLog.objects.filter(action="shop.update", object_id=str(data.shop.pk)).exists()


def test_bad_shop_name_shows_the_error_and_changes_nothing(leader: Client, data: demo.DemoData):
    before = (data.shop.name, data.shop.intro)
    resp = leader.post(reverse("leader:shop_update"), {"name": "<b>x</b>", "intro": "y"}, **HX)
    assert resp.status_code == 422
    assert 'data-code="invalid_shop_name"' in resp.content.decode()
    data.shop.refresh_from_db()
    assert (data.shop.name, data.shop.intro) == before


def test_stats_count_valid_visits_and_paid_attributed_orders(leader: Client,
                                                             data: demo.DemoData):
    ShareVisit.objects.create(shop=data.shop, leader=data.leader, valid=True)
    ShareVisit.objects.create(shop=data.shop, leader=data.leader, valid=True)
    ShareVisit.objects.create(shop=data.shop, valid=False, reason="bad_signature")
    sku = data.skus["SB-SERUM-30"]
    listing = data.shop.listings.get(product=sku.product)
    a = place_paid_order(make_buyer(), sku, shop=data.shop, listing=listing)
    b = place_paid_order(make_buyer(), sku, qty=2, shop=data.shop, listing=listing)
    place_order_for(make_buyer(), sku, shop=data.shop, listing=listing)  # unpaid
    place_paid_order(make_buyer(), sku)  # not attributed
    resp = leader.get(reverse("leader:home"))
    stats = resp.context["stats"]
    assert stats["visits_today"] == 2 and stats["visits_7d"] == 2
    assert stats["orders"] == 2
    assert stats["gmv"] == a.actual_paid + b.actual_paid
    html = resp.content.decode()
    assert re.search(r'data-testid="attributed-orders">2<', html)
    assert f"¥{a.actual_paid + b.actual_paid:,.2f}" in html


# --------------------------------------------------------------------------- products

def test_toggle_a_listing_off_and_on(leader: Client, data: demo.DemoData):
    product = data.skus["SB-SERUM-30"].product
    listing = Listing.objects.get(shop=data.shop, product=product)
    assert listing.active
    url = reverse("leader:toggle", args=[product.pk])

    resp = leader.post(url, **HX)
    assert resp.status_code == 200
    listing.refresh_from_db()
    assert not listing.active
    html = resp.content.decode()
    assert f'id="product-{product.pk}"' in html and "上架" in html and 'data-listed="0"' in html
    assert AuditLog.objects.filter(action="shop.listing_remove").exists()

    resp = leader.post(url, **HX)
    listing.refresh_from_db()
    assert listing.active
    assert 'data-listed="1"' in resp.content.decode()


def test_products_page_shows_the_sellers_price_without_an_input(leader: Client,
                                                                 data: demo.DemoData):
    sku = data.skus["SB-SERUM-30"]
    html = leader.get(reverse("leader:products")).content.decode()
    assert sku.product.name in html
    assert f"¥{sku.price:,.2f}" in html
    assert 'name="price"' not in html


def test_cannot_toggle_another_leaders_shop(data: demo.DemoData):
    other = User.objects.create_user("other", password="x-pass-2026")
    other.groups.add(Group.objects.get(name="leader"))
    product = data.skus["SB-SERUM-30"].product
    c = Client()
    c.force_login(other)
    # A leader without a shop has nothing to toggle; the demo shop is untouched.
    assert c.post(reverse("leader:toggle", args=[product.pk]), **HX).status_code == 404
    assert Listing.objects.get(shop=data.shop, product=product).active


# --------------------------------------------------------------------------- share

def test_share_page_has_links_and_local_qr_codes(leader: Client, data: demo.DemoData):
    resp = leader.get(reverse("leader:share"))
    html = resp.content.decode()
    assert "<svg" in html
    assert "http://testserver/t/" in html
    n_listings = Listing.objects.filter(shop=data.shop, active=True).count()
    assert html.count("<svg") == n_listings + 1  # one per listing plus the shop
    assert "复制链接" in html
    # Nothing is fetched from elsewhere: every src is local.
    assert not re.search(r'src="https?://', html)


def test_share_link_opens_the_shop_and_attributes(leader: Client, data: demo.DemoData):
    html = leader.get(reverse("leader:share")).content.decode()
    link = re.search(r'value="http://testserver(/t/[^"]+/)"', html).group(1)
    buyer = Client()
    resp = buyer.get(link)
    assert resp.status_code in (200, 302)
    assert ShareVisit.objects.filter(shop=data.shop, valid=True).count() == 1


# --------------------------------------------------------------------------- orders

def test_attributed_orders_show_buyers_masked(leader: Client, data: demo.DemoData):
    sku = data.skus["SB-SERUM-30"]
    listing = data.shop.listings.get(product=sku.product)
    mine = place_paid_order(make_buyer(display_name="李大同"), sku, shop=data.shop,
                            listing=listing, name="王小明", id_number=KNOWN_ID,
                            phone=KNOWN_PHONE)
    not_mine = place_paid_order(make_buyer(), sku)
    html = leader.get(reverse("leader:orders")).content.decode()
    assert mine.number in html and not_mine.number not in html
    # The customer as on every page (their account, masked), not the real name.
    assert "李**" in html and "李大同" not in html
    assert "王**" not in html and "王小明" not in html
    assert KNOWN_ID not in html and mine.buyer_id_masked not in html
    assert KNOWN_PHONE not in html and mine.buyer_phone_masked not in html
    assert mine.address_detail not in html
    assert Order.objects.get(pk=mine.pk).leader == data.leader
