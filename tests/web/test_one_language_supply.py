"""One language per page (issue 9's rule) on the supply side's pages: the brand
console, the warehouse pages and the operators' new pages (organizations,
grants, reviews), in Chinese and in English, on the demo data (which has grants,
a received ASN with a discrepancy, a pending one and a product awaiting review)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.web.language import other_language, page

pytestmark = pytest.mark.django_db

LANGUAGES = ("zh-hans", "en")


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def supply_pages(db) -> list[tuple[Client, str]]:
    from shequn.accounts.models import User
    from shequn.brands.models import Grant
    from shequn.catalog.models import Product
    from shequn.demo import seeding as demo
    from shequn.logistics.models import ASN

    data = demo.seed()
    sakura_admin = User.objects.get(username="sakura-admin")
    warehouse = User.objects.get(username="warehouse")
    sakura = data.brands["sakura"]
    product = Product.objects.filter(brand=sakura).order_by("pk").first()
    grant = Grant.objects.filter(grantor=sakura).order_by("pk").first()
    asn = ASN.objects.filter(status=ASN.Status.RECEIVED).order_by("pk").first()
    pending = ASN.objects.filter(status=ASN.Status.SUBMITTED).order_by("pk").first()
    assert product and grant and asn and pending
    brand, ops, wh = _client(sakura_admin), _client(data.operator), _client(warehouse)
    pages = [(brand, url) for url in (
        "/brand/", "/brand/notices/", "/brand/products/", "/brand/products/new/",
        f"/brand/products/{product.pk}/", "/brand/products/import/", "/brand/grants/",
        "/brand/grants/new/", f"/brand/grants/{grant.pk}/", "/brand/stock/",
        "/brand/stock/asns/new/", "/brand/team/", "/brand/team/keys/")]
    pages += [(ops, url) for url in ("/ops/orgs/", "/ops/grants/", f"/ops/grants/{grant.pk}/",
                                     "/ops/reviews/", "/ops/apikeys/", "/ops/notices/",
                                     f"/ops/orgs/{data.brands['koala'].pk}/",
                                     f"/ops/orgs/{sakura.pk}/")]
    pages += [(wh, url) for url in ("/warehouse/", f"/warehouse/asn/{pending.pk}/",
                                    f"/warehouse/asn/{asn.pk}/", "/warehouse/stock/",
                                    "/warehouse/stock/expiry/", "/warehouse/out/",
                                    "/warehouse/notices/")]
    return pages


@pytest.mark.parametrize("language", LANGUAGES)
def test_supply_side_pages_show_one_language(supply_pages, language: str) -> None:
    found = {url: other_language(page(client, url, language), language)
             for client, url in supply_pages}
    assert not {url: words for url, words in found.items() if words}
