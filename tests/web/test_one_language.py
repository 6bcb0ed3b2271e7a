"""One language at a time (issue 9): Chinese by default, English when the browser
asks for it or the footer switch chose it, and each page in one language only
(tests/web/language.py says what counts).

Each console's pages are checked in both languages by a test of its own below."""

from __future__ import annotations

from html import escape
from html.parser import HTMLParser

import pytest
from django.test import Client
from django.urls import reverse

from tests.web.language import VOID_ELEMENTS, assert_one_language, other_language, page

pytestmark = pytest.mark.django_db

LANGUAGES = ("zh-hans", "en")


def test_chinese_is_the_default_and_english_follows_accept_language() -> None:
    client = Client()
    chinese = client.get(reverse("account:login"))
    assert chinese.headers["Content-Language"] == "zh-hans"
    assert '<html lang="zh-hans">' in chinese.content.decode()
    english = client.get(reverse("account:login"), HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.9")
    assert english.headers["Content-Language"] == "en"
    assert '<html lang="en">' in english.content.decode()


def test_the_footer_switch_is_remembered_in_a_cookie() -> None:
    client = Client()
    html = client.get(reverse("account:login")).content.decode()
    assert f'action="{reverse("set_language")}"' in html
    assert 'name="language" value="en"' in html

    response = client.post(reverse("set_language"),
                           {"language": "en", "next": reverse("account:login")})
    assert response.status_code == 302 and response.url == reverse("account:login")
    assert client.cookies["django_language"].value == "en"
    assert client.cookies["django_language"]["max-age"] > 30 * 24 * 3600
    # The cookie wins over the browser's Chinese.
    again = client.get(reverse("account:login"), HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9")
    assert again.headers["Content-Language"] == "en"


def test_the_switch_posts_with_its_token_back_to_this_page() -> None:
    import re

    client = Client(enforce_csrf_checks=True)
    here = reverse("account:login") + "?next=/me/&a=1"
    html = client.get(here).content.decode()
    footer = html[html.index('<footer class="page-footer">'):html.index("</footer>")]
    assert 'name="next" value="/login/?next=/me/&amp;a=1"' in footer
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', footer)
    assert token is not None
    refused = client.post(reverse("set_language"), {"language": "en", "next": here})
    assert refused.status_code == 403
    response = client.post(reverse("set_language"), {"language": "en", "next": here,
                                                     "csrfmiddlewaretoken": token.group(1)})
    assert response.status_code == 302 and response.url == here


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_switch_names_each_language_in_its_own_language(language: str) -> None:
    html = page(Client(), reverse("account:login"), language)
    assert ">简体中文</button>" in html and ">English</button>" in html
    # The current language's button is the disabled one.
    current = "简体中文" if language == "zh-hans" else "English"
    assert f'aria-current="true" disabled>{current}</button>' in html
    footer = html[html.index('<footer class="page-footer">'):html.index("</footer>")]
    assert_one_language(footer, language, "the footer")


# --------------------------------------------------------------------------- ops console

@pytest.fixture
def operator_pages(db) -> tuple[Client, list[str]]:
    """An operator's client and every ops page, with an order paid and declared to
    customs, its outbox events and the demo's leaders."""
    from shequn.core.models import OutboxEvent
    from shequn.demo import seeding as demo
    from tests.builders import make_buyer, place_paid_order
    from tests.customs.test_console import declared as tests_declared
    from tests.customs.test_console import push

    data = demo.seed()
    sku = data.skus["SB-SERUM-30"]
    order = place_paid_order(make_buyer(), sku, shop=data.shop,
                             listing=data.shop.listings.get(product=sku.product))
    client = Client()
    client.force_login(data.operator)
    event = OutboxEvent.objects.order_by("pk").first()
    assert event is not None
    urls = [reverse("ops:dashboard"), reverse("ops:orders"),
            reverse("ops:order", args=[order.number]), reverse("ops:audit"),
            reverse("ops:outbox"), reverse("ops:outbox_event", args=[event.pk]),
            reverse("ops:customs"), reverse("ops:leaders"), reverse("ops:bindings"),
            reverse("ops:settlement"), reverse("ops:withdrawals") + "?state=all",
            reverse("ops:fission")]
    declared = push(tests_declared(), "120", "800")  # a released declaration with receipts
    urls += [reverse("ops:customs_declaration", args=[declared.order.number]),
             reverse("ops:leaders") + "?status=all"]
    return client, urls


@pytest.mark.parametrize("language", LANGUAGES)
def test_ops_pages_show_one_language(operator_pages: tuple[Client, list[str]],
                                     language: str) -> None:
    client, urls = operator_pages
    found = {url: other_language(page(client, url, language), language) for url in urls}
    assert not {url: words for url, words in found.items() if words}


# --------------------------------------------------------------------------- admin

@pytest.fixture
def admin_pages(operator_pages: tuple[Client, list[str]]) -> tuple[Client, list[str]]:
    """The admin's index, an app, a list and a change form, as the superuser."""
    from shequn.accounts.models import User
    from shequn.orders.models import Order

    client = Client()
    client.force_login(User.objects.filter(is_superuser=True).first())
    order = Order.objects.first()
    assert order is not None
    return client, [reverse("admin:index"), reverse("admin:app_list", args=["orders"]),
                    reverse("admin:orders_order_changelist"),
                    reverse("admin:orders_order_change", args=[order.pk]),
                    reverse("admin:distribution_leaderprofile_changelist")]


class _AdminLabels(HTMLParser):
    """The admin's own words on a page: headings, captions, column headers, form
    labels, the app and model names, links and buttons of its chrome. Django's admin
    renders data (names, addresses, product names) without a translate="no" mark,
    so the cells, values and object names are left out here."""

    LABELS = frozenset({"h1", "label", "caption", "legend", "button"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._stack: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_ELEMENTS:
            return
        a = dict(attrs)
        inside = bool(self._stack) and self._stack[-1][1]
        label = (tag in self.LABELS or (tag == "th" and a.get("scope") in ("col", "row")
                                        and not (a.get("class") or "").startswith("field-")))
        self._stack.append((tag, inside or label))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if data.strip() and self._stack and self._stack[-1][1]:
            self.texts.append(data.strip())


def _admin_labels(html: str) -> str:
    parser = _AdminLabels()
    parser.feed(html)
    return "".join(f"<p>{escape(t)}</p>" for t in parser.texts)


@pytest.mark.parametrize("language", LANGUAGES)
def test_admin_pages_show_one_language(admin_pages: tuple[Client, list[str]],
                                       language: str) -> None:
    client, urls = admin_pages
    found = {url: other_language(_admin_labels(page(client, url, language)), language)
             for url in urls}
    assert not {url: words for url, words in found.items() if words}


@pytest.mark.parametrize(("language", "names"), [
    ("zh-hans", [">订单<", ">订单状态变更<", ">团长<", ">提现申请<", "实付金额:",
                 "收货人电话（掩码）:"]),
    ("en", [">Orders<", ">Order status changes<", ">Leaders<", ">Withdrawals<", "Actual paid:",
            "Consignee phone (masked):"]),
])
def test_the_admin_names_models_and_fields_in_the_page_language(
        admin_pages: tuple[Client, list[str]], language: str, names: list[str]) -> None:
    from shequn.orders.models import Order

    client, _urls = admin_pages
    html = page(client, reverse("admin:index"), language)
    order = Order.objects.first()
    assert order is not None
    html += page(client, reverse("admin:orders_order_change", args=[order.pk]), language)
    for name in names:
        assert name in html, name
