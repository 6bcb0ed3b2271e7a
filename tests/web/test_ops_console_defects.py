"""Operator defects from walking the ops console (issue 9, "Operator"): pending
returns show on the dashboard and the order list, one-time codes are hidden from
operators in the admin, and the payment-to-release chart has its point when there
is one day of releases. The side navigation is tests/browser/test_ops_layout.py."""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from shequn.accounts.models import OneTimeCode
from shequn.accounts.roles import ensure_groups
from shequn.orders import returns, services
from shequn.orders.models import Order
from tests.builders import make_buyer, make_sku, make_stock, make_warehouse, place_paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(django_user_model):
    ensure_groups()
    user = django_user_model.objects.create(username="op-defects", is_staff=True)
    user.groups.add(Group.objects.get(name="operator"))
    return user


@pytest.fixture
def ops(operator) -> Client:
    client = Client()
    client.force_login(operator)
    return client


def _delivered(operator) -> Order:
    sku = make_sku(price="88.00")
    make_stock(make_warehouse(), sku, 10)
    order = place_paid_order(make_buyer(), sku, qty=2)
    services.mark_cleared(order.pk)
    services.mark_shipped(order.pk, operator)
    services.mark_delivered(order.pk, operator)
    return order


def test_pending_returns_show_on_the_dashboard_and_the_order_list(ops, operator):
    with_return, without = _delivered(operator), _delivered(operator)
    assert 'data-testid="returns-open">0<' in ops.get(reverse("ops:dashboard")).content.decode()
    returns.request_return(with_return.user, with_return.pk,
                           [(with_return.lines.get().pk, 1)], "broken seal")

    dashboard = ops.get(reverse("ops:dashboard")).content.decode()
    assert 'data-testid="returns-open">1<' in dashboard
    assert f'href="{reverse("ops:orders")}?returns=open"' in dashboard

    listed = ops.get(reverse("ops:orders")).content.decode()
    card = listed[listed.index(f'id="order-{with_return.number}"'):]
    assert 'data-testid="return-pending"' in card[:card.index("</header>")]
    other = listed[listed.index(f'id="order-{without.number}"'):]
    assert 'data-testid="return-pending"' not in other[:other.index("</header>")]

    only = ops.get(reverse("ops:orders") + "?returns=open").content.decode()
    assert with_return.number in only and without.number not in only


def test_operators_cannot_list_one_time_codes_in_the_admin(ops, operator):
    OneTimeCode.objects.create(phone_hash="h" * 64, code_hash="c" * 64,
                               created_at="2029-12-31T23:55:00Z",
                               expires_at="2030-01-01T00:00:00Z")
    assert not operator.has_perm("accounts.view_onetimecode")
    # Not registered at all (tests/accounts/test_admin.py): no admin URL to reach.
    assert ops.get("/admin/accounts/onetimecode/").status_code == 404
    index = ops.get(reverse("admin:index")).content.decode()
    assert "/admin/accounts/onetimecode/" not in index
    assert "/admin/orders/order/" in index  # operators still see the rest


def test_the_release_chart_has_its_point_on_a_single_day(ops):
    """One day with releases among fourteen: that day carries p50/p95, the others
    none, and the chart draws line points (charts.js shows every symbol)."""
    from tests.customs.test_console import declared, push  # the console's own builders

    push(declared(), "120", "800")
    page = ops.get(reverse("ops:customs")).content.decode()
    spec = json.loads(re.search(r'<script id="release-times" type="application/json">(.*?)'
                                r"</script>", page, re.S).group(1))
    p50 = spec["series"][0]["data"]
    assert len(p50) == 14 and sum(v is not None for v in p50) == 1
    assert all(s["type"] == "line" for s in spec["series"])
    assert 'data-chart="release-times"' in page


@pytest.mark.parametrize("url", ["/ops/orders/?q=%00", "/ops/customs/?q=%00",
                                 "/ops/outbox/?q=%00", "/ops/orders/A%00/"])
def test_nul_byte_in_an_ops_query_is_a_400_not_a_500(url):
    # PostgreSQL cannot compare text with NUL: these were DataErrors (500).
    from tests.builders.people import make_operator
    client = Client(raise_request_exception=False)
    client.force_login(make_operator())
    assert client.get(url).status_code == 400


def test_odd_input_on_ops_leader_pages_is_not_a_500():
    # A huge page number overflowed PostgreSQL's OFFSET; a NUL in the leader search
    # was a DataError. Both were 500s.
    from tests.builders.people import make_operator
    client = Client(raise_request_exception=False)
    client.force_login(make_operator())
    assert client.get("/ops/leaders/", {"page": "9" * 30}).status_code == 200
    assert client.post("/ops/bindings/", {"leader": "a\x00b"}).status_code == 200


def test_the_ops_order_page_names_the_tax_regime_in_the_pages_language():
    # It showed the engine's code, "cbec", on Chinese and English pages alike.
    from tests.builders.buying import make_buyer_with_identity, place_paid_order
    from tests.builders.catalog import make_buyable
    from tests.builders.people import make_operator

    order = place_paid_order(make_buyer_with_identity().user, make_buyable())
    assert order.tax_regime == "cbec"
    client = Client()
    client.force_login(make_operator())
    client.cookies["django_language"] = "en"
    page = client.get(f"/ops/orders/{order.number}/").content.decode()
    assert "Cross-border e-commerce tax" in page and ">cbec<" not in page
