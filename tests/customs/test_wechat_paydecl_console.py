"""The ops customs console shows the WeChat Pay payment declaration of orders
paid with WeChat Pay next to the CEB messages (list column and order page)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client

from shequn.customs.models import PaymentDeclaration
from shequn.customs.wxdeclare import sim

from .wechat_paydecl_helpers import run_until_quiet, wechat_paid_order

pytestmark = pytest.mark.django_db


@pytest.fixture
def ops(django_user_model):
    user = django_user_model.objects.create(username="customs-op")
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    c = Client()
    c.force_login(user)
    return c


def test_console_and_order_page_show_the_declaration(ops):
    sim.get().add_fault("query", "fail")
    order = wechat_paid_order()
    run_until_quiet()
    pd = PaymentDeclaration.objects.get(order=order)
    listing = ops.get("/ops/customs/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    row = listing.split(f'data-declaration="{order.number}"')[1].split("</tr>")[0]
    assert 'data-testid="wechat-declaration"' in row and "FAIL" in row
    page = ops.get(f"/ops/customs/{order.number}/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    section = html.split('id="wechat-declarations"')[1].split("</section>")[0]
    assert pd.payment.provider_txn_id in section
    assert "HANGZHOU_ZS" in section and "FAIL" in section
    assert "支付单校验不通过" in section
    # The CEB messages are listed below it: no CEB411 of ours.
    assert "CEB311" in html and "CEB411" not in html.split('id="messages"')[1]


def test_orders_paid_otherwise_show_no_section(ops):
    from tests.builders import make_buyer, make_sku, make_stock, make_warehouse, place_paid_order

    sku = make_sku(price="50.00")
    make_stock(make_warehouse(), sku, 5)
    order = place_paid_order(make_buyer(), sku)
    run_until_quiet()
    html = ops.get(f"/ops/customs/{order.number}/").content.decode()
    assert 'id="wechat-declarations"' not in html
