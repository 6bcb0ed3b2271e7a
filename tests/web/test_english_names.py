"""One language per page, for names too: with English chosen in the site's
language switch, the buyer's store and the leader console show a product's and
a brand's English name where there is one and the Chinese name otherwise;
Chinese pages keep the Chinese names, and so do the order lines' stored
snapshots (what customs is told: tests/customs/test_ceb_mapping.py)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from shequn.catalog.models import Organization, Product
from shequn.distribution.models import LeaderProfile
from shequn.orders.models import Order, OrderLine
from shequn.shops.models import Listing
from tests.builders import Net, deliver, make_buyer, make_operator

pytestmark = pytest.mark.django_db

NAME, NAME_EN = "樱花焕亮精华液 30ml", "Radiance Serum 30 ml"
BRAND, BRAND_EN = "日本樱花美妆", "Sakura Cosmetics"


@dataclass
class Sold:
    net: Net
    product: Product
    leader: LeaderProfile
    listing: Listing
    order: Order  # delivered: its detail, return form and the leader's order list
    buyer: Client
    leader_client: Client

    def store_urls(self) -> list[str]:
        slug = self.listing.shop.slug
        return [reverse("store:shop", kwargs={"slug": slug}),
                reverse("store:product", kwargs={"slug": slug,
                                                 "product_id": self.product.pk}),
                reverse("store:cart"), reverse("store:checkout"), reverse("store:orders"),
                reverse("store:order", args=[self.order.number]),
                reverse("store:order_return", args=[self.order.number])]

    def leader_urls(self) -> list[str]:
        return [reverse(name) for name in ("leader:products", "leader:share",
                                           "leader:orders", "leader:earnings")]


def _english(client: Client) -> Client:
    """The footer's language switch, as a buyer uses it (a cookie from then on)."""
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert response.status_code == 302
    return client


def _get(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.content.decode()


@pytest.fixture
def sold() -> Sold:
    net = Net()
    product = net.sku.product
    Product.objects.filter(pk=product.pk).update(name=NAME, name_en=NAME_EN)
    Organization.objects.filter(pk=product.brand_id).update(name=BRAND, name_en=BRAND_EN)
    product.refresh_from_db()
    product.brand.refresh_from_db()
    leader = net.leader()
    listing = net.listing(leader)
    buyer = make_buyer()
    order = deliver(net.sale(leader, listing, buyer=buyer), make_operator())
    buyer_client = Client()
    buyer_client.force_login(buyer)
    added = buyer_client.post(reverse("store:cart_add"),
                              {"sku_id": net.sku.pk, "qty": 1, "listing_id": listing.pk})
    assert added.status_code in (200, 302)
    leader_client = Client()
    leader_client.force_login(leader.user)
    return Sold(net, product, leader, listing, order, buyer_client, leader_client)


def test_english_store_pages_show_the_english_product_and_brand_names(sold: Sold) -> None:
    client = _english(sold.buyer)
    for url in sold.store_urls():
        html = _get(client, url)
        assert NAME_EN in html, url
        assert NAME not in html, url
    product_page = _get(client, sold.store_urls()[1])
    assert f'<span class="tag" translate="no">{BRAND_EN}</span>' in product_page
    assert BRAND not in product_page  # nor in the authorization chain
    assert f'<h1 class="product-title" translate="no">{NAME_EN}</h1>' in product_page
    # The snapshot the order keeps (declared to customs) is still the Chinese name.
    assert list(OrderLine.objects.filter(order=sold.order).values_list("name", flat=True)) == [
        NAME]


def test_english_leader_pages_show_the_english_names(sold: Sold) -> None:
    client = _english(sold.leader_client)
    for url in sold.leader_urls():
        html = _get(client, url)
        assert NAME_EN in html, url
        assert NAME not in html, url
    products = _get(client, reverse("leader:products"))
    assert f'<div class="small muted" translate="no">{BRAND_EN}</div>' in products
    assert BRAND not in products


def test_chinese_pages_keep_the_chinese_names(sold: Sold) -> None:
    for client, urls in ((sold.buyer, sold.store_urls()),
                         (sold.leader_client, sold.leader_urls())):
        for url in urls:
            html = _get(client, url)
            assert NAME in html, url
            assert NAME_EN not in html, url
    product_page = _get(sold.buyer, sold.store_urls()[1])
    assert BRAND in product_page and BRAND_EN not in product_page


def test_without_an_english_name_english_pages_show_the_chinese_one(sold: Sold) -> None:
    Product.objects.filter(pk=sold.product.pk).update(name_en="")
    Organization.objects.filter(pk=sold.product.brand_id).update(name_en="  ")
    store, leader = _english(sold.buyer), _english(sold.leader_client)
    for client, urls in ((store, sold.store_urls()), (leader, sold.leader_urls())):
        for url in urls:
            html = _get(client, url)
            assert NAME in html and NAME_EN not in html, url
    product_page = _get(store, sold.store_urls()[1])
    assert f'<span class="tag" translate="no">{BRAND}</span>' in product_page


def test_an_order_line_shows_the_products_current_english_name(sold: Sold) -> None:
    Product.objects.filter(pk=sold.product.pk).update(name_en="Radiance Serum (2027)")
    client = _english(sold.buyer)
    for url in (reverse("store:orders"), reverse("store:order", args=[sold.order.number])):
        html = _get(client, url)
        assert "Radiance Serum (2027)" in html and NAME not in html, url
    leader = _get(_english(sold.leader_client), reverse("leader:orders"))
    assert "Radiance Serum (2027)" in leader
    line = OrderLine.objects.get(order=sold.order)
    assert line.name == NAME  # the stored snapshot is untouched


def test_english_product_posters_draw_the_english_names(monkeypatch: pytest.MonkeyPatch,
                                                        sold: Sold) -> None:
    from tests.web.language import poster_lines

    drawn = poster_lines(monkeypatch)
    client = _english(sold.leader_client)
    url = reverse("leader:poster_product", args=[sold.listing.pk])
    assert client.get(url).status_code == 200
    assert "Radiance Serum 30 ml" in " ".join(drawn) and not any(NAME in t for t in drawn)
    drawn.clear()
    chinese = Client()
    chinese.force_login(sold.leader.user)
    assert chinese.get(url).status_code == 200  # another language: drawn again
    assert any("樱花" in t for t in drawn) and not any("Radiance" in t for t in drawn)



def test_english_store_pages_name_the_warehouse_in_english(sold: Sold) -> None:
    from shequn.inventory.models import Warehouse

    Warehouse.objects.update(name="宁波保税仓", name_en="Ningbo Bonded Warehouse")
    english = _english(sold.buyer)
    for url in (sold.store_urls()[1], reverse("store:order", args=[sold.order.number])):
        html = _get(english, url)
        assert "Ningbo Bonded Warehouse" in html and "宁波保税仓" not in html, url
    chinese = _get(sold.buyer.__class__(), sold.store_urls()[1])
    assert "宁波保税仓" in chinese and "Ningbo Bonded Warehouse" not in chinese


def test_the_operators_funnel_by_product_names_products_in_the_page_language(
        sold: Sold) -> None:
    # The ops fission page (and its CSV) list products by the name the page's
    # language shows, as every other page does.
    from django.utils import translation

    from shequn.analytics import exports

    with translation.override("en"):
        assert NAME_EN in exports.funnel_csv("product")
    operator = make_operator()
    english, chinese = Client(), Client()
    english.force_login(operator)
    chinese.force_login(operator)
    html = _get(_english(english), reverse("ops:fission"))
    assert NAME_EN in html and NAME not in html
    html = _get(chinese, reverse("ops:fission"))  # the default language, last
    assert NAME in html and NAME_EN not in html


def test_operators_see_organizations_by_their_english_name_on_english_pages() -> None:
    # The organizations list and the grant card (its grantor and grantee, not only
    # its brand) show the English name where there is one, as the rest of the console.
    from shequn.brands.models import Grant
    from shequn.demo import seeding as demo

    data = demo.seed()
    koala = data.brands["koala"]
    assert koala.name_en and koala.name_en != koala.name
    grant = Grant.objects.filter(grantor=koala).order_by("pk").first()
    assert grant is not None
    ops = Client()
    ops.force_login(data.operator)
    _english(ops)
    for url in (reverse("ops:orgs"), reverse("ops:grant", args=[grant.pk])):
        html = _get(ops, url)
        assert f">{koala.name_en}<" in html, url
        assert koala.name not in html, url
    chinese = Client()
    chinese.force_login(data.operator)
    assert koala.name in _get(chinese, reverse("ops:grant", args=[grant.pk]))
