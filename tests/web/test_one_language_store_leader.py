"""One language at a time (issue 9) on the buyer's store, the sign-in page and the
leader console: every page, in Chinese and in English, shows no interface text of
the other language (tests/web/language.py says what counts; data such as product,
shop and people's names is marked translate="no" and skipped).

The pages are filled the way a walk through them finds them: a cart with a line, a
paid order declared to customs, a delivered order (return form), an order on hold
(payer not the buyer), a leader with a listing, a bound customer, a team member,
settled commission and a withdrawal."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse

from shequn.commission import services as commission
from shequn.core import outbox
from shequn.demo import seeding as demo
from shequn.distribution import binding as network
from shequn.orders import services as order_services
from shequn.shops.models import Listing
from tests.builders import Net, complete, make_buyer, make_operator, place_paid_order
from tests.web.language import assert_one_language, other_language, page

pytestmark = pytest.mark.django_db

LANGUAGES = ("zh-hans", "en")


def _all_in_one_language(client: Client, urls: list[str], language: str) -> None:
    found = {url: other_language(page(client, url, language), language) for url in urls}
    wrong = {url: words for url, words in found.items() if words}
    assert not wrong, "\n".join(f"{url}: {words}" for url, words in wrong.items())


# --------------------------------------------------------------------------- store

@dataclass
class Store:
    anonymous: Client
    buyer: Client
    anonymous_urls: list[str]
    buyer_urls: list[str]


@pytest.fixture
def store() -> Store:
    data = demo.seed()
    operator = make_operator()
    buyer = make_buyer()
    serum = data.skus["SB-SERUM-30"]
    listing = Listing.objects.get(shop=data.shop, product=serum.product)
    declared = place_paid_order(buyer, serum, shop=data.shop, listing=listing)
    outbox.drain()  # declared to customs: the order page shows the clearance card
    honey = data.skus["KH-MANUKA-500"]
    delivered = place_paid_order(buyer, honey)
    order_services.mark_cleared(delivered.pk)
    order_services.mark_shipped(delivered.pk, operator)
    order_services.mark_delivered(delivered.pk, operator)
    held = place_paid_order(buyer, serum, as_other_person=True)
    assert held.state == "on_hold"

    client = Client()
    client.force_login(buyer)
    added = client.post(reverse("store:cart_add"),
                        {"sku_id": serum.pk, "qty": 1, "listing_id": listing.pk}, follow=True)
    assert added.status_code == 200  # the cart, which shows (and so spends) the message
    product = reverse("store:product", kwargs={"slug": data.shop.slug,
                                               "product_id": serum.product_id})
    anonymous_urls = ["/", reverse("store:shop", kwargs={"slug": data.shop.slug}), product,
                      reverse("store:cart"), reverse("store:me"), reverse("account:login"),
                      reverse("account:login") + "?mode=password"]
    buyer_urls = [product, reverse("store:cart"), reverse("store:checkout"),
                  reverse("store:orders"),
                  reverse("store:orders") + f"?checkout={declared.checkout_id}",
                  reverse("store:order", args=[declared.number]),
                  reverse("store:order", args=[delivered.number]),
                  reverse("store:order", args=[held.number]),
                  reverse("store:order_return", args=[delivered.number]),
                  reverse("store:apply"), reverse("store:me")]
    return Store(Client(), client, anonymous_urls, buyer_urls)


@pytest.mark.parametrize("language", LANGUAGES)
def test_store_and_sign_in_pages_for_a_visitor_show_one_language(store: Store,
                                                                 language: str) -> None:
    _all_in_one_language(store.anonymous, store.anonymous_urls, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_store_pages_for_a_buyer_show_one_language(store: Store, language: str) -> None:
    _all_in_one_language(store.buyer, store.buyer_urls, language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_checkout_errors_show_in_one_language(store: Store, language: str) -> None:
    """A refused identity: the error beside the field is in the page's language."""
    response = store.buyer.post(reverse("store:checkout"),
                                {"action": "add_identity", "name": "张三",
                                 "id_number": "123", "phone": "1"},
                                HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 422
    html = response.content.decode()
    assert 'class="field-error"' in html
    assert_one_language(html, language, "checkout with an error")


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_over_limit_checkout_explains_in_one_language(store: Store, language: str) -> None:
    data = demo.seed()
    formula = data.skus["KD-IF3-900"]
    listing = Listing.objects.get(shop=data.shop, product=formula.product)
    store.buyer.post(reverse("store:cart_add"),
                     {"sku_id": formula.pk, "qty": 20, "listing_id": listing.pk}, follow=True)
    html = page(store.buyer, reverse("store:checkout"), language)
    assert 'data-testid="refusal"' in html
    assert_one_language(html, language, "over-limit checkout")


@pytest.mark.parametrize("language", LANGUAGES)
def test_htmx_fragments_show_one_language(store: Store, language: str) -> None:
    data = demo.seed()
    serum = data.skus["SB-SERUM-30"]
    added = store.buyer.post(reverse("store:cart_add"), {"sku_id": serum.pk, "qty": 1},
                             HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE=language)
    assert added.status_code == 200
    assert_one_language(added.content.decode(), language, "added to cart")
    code = store.anonymous.post(reverse("account:send_code"), {"phone": "13800138000"},
                                HTTP_HX_REQUEST="true", HTTP_ACCEPT_LANGUAGE=language)
    assert code.status_code == 200
    assert_one_language(code.content.decode(), language, "code sent")


# --------------------------------------------------------------------------- leader

@pytest.fixture
def leader_client() -> Client:
    net = Net()
    leader = net.leader(real_name="甲团长")
    net.leader(inviter=leader, real_name="乙团长")
    listing = net.listing(leader)
    net.visit(leader, listing)
    buyer = make_buyer()
    buyer.display_name = "赵大海"
    buyer.save()
    network.touch(buyer=buyer, leader=leader.user, channel="poster")
    complete(net.sale(leader, listing, qty=2, buyer=buyer))
    net.sale(leader, listing)  # still pending
    commission.settle_due()
    commission.request_withdrawal(leader.user, "10.00")
    client = Client()
    client.force_login(leader.user)
    return client


LEADER_PAGES = ("leader:home", "leader:products", "leader:share", "leader:orders",
                "leader:customers", "leader:team", "leader:earnings")


@pytest.mark.parametrize("language", LANGUAGES)
def test_leader_pages_show_one_language(leader_client: Client, language: str) -> None:
    _all_in_one_language(leader_client, [reverse(name) for name in LEADER_PAGES], language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_leader_dashboard_names_its_chart_series_in_the_page_language(
        leader_client: Client, language: str) -> None:
    html = page(leader_client, reverse("leader:home"), language)
    names = html[html.index('id="leader-trend"'):]
    names = names[:names.index("</script>")]
    assert ("Visits" in names) == (language == "en")
    assert ("\\u8bbf\\u95ee" in names or "访问" in names) == (language == "zh-hans")


def test_a_leader_without_a_shop_sees_the_opening_form_in_one_language() -> None:
    net = Net()
    leader = net.leader()
    assert leader.shop is not None
    leader.shop.delete()
    client = Client()
    client.force_login(leader.user)
    for language in LANGUAGES:
        html = page(client, reverse("leader:home"), language)
        assert 'name="slug"' in html
        assert_one_language(html, language, "no shop yet")


# --------------------------------------------------------------------------- posters

@pytest.mark.parametrize("language", LANGUAGES)
def test_posters_are_drawn_in_one_language(monkeypatch: pytest.MonkeyPatch,
                                           language: str) -> None:
    """Every line a poster draws is in the leader's language; names stay as entered."""
    from django.utils import translation

    from shequn.distribution import posters
    from tests.web.language import CJK, LATIN_WORD, poster_lines

    drawn = poster_lines(monkeypatch)
    net = Net()
    url = "https://example.com/s/x/"
    with translation.override(language):
        posters.product_poster(product=net.sku.product, shop_name="小林的海淘铺", url=url,
                               prices=[net.sku.price, net.sku.price + 1])
        posters.shop_poster(shop_name="小店", intro="", url=url, leader_name="小林")
        posters.invite_poster(leader_name="小林", url=url, code="ABCD2345")
    data = ("小林的海淘铺", "小店", "小林", net.sku.product.name, "ABCD")
    texts = [t for t in drawn if t.strip()]
    for name in data:  # a name may be wrapped over lines: drop each piece of it
        texts = [t.replace(name, "") for t in texts]
    assert texts
    if language == "en":
        assert not [t for t in texts if CJK.search(t)], drawn
    else:
        assert not [t for t in texts if LATIN_WORD.search(t.replace("Shequn", ""))], drawn
