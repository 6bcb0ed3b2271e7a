"""One masking rule: a person shows the same wherever they are shown masked — the
leader's customers, orders and commission lines, the ops bindings and withdrawals."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from shequn.commission import services as commission
from shequn.core import pii
from shequn.distribution import binding
from tests.builders import Net, complete, make_buyer


@pytest.mark.parametrize(("name", "phone", "username", "shown"), [
    ("演示买家", "138****8000", "buyer1", "演***"),
    ("王五", "", "", "王*"),
    (" ", "138****8000", "buyer1", "138****8000"),
    ("", "", "p_abcdef", "p*******"),
    ("", "", "", "—"),
])
def test_mask_person(name, phone, username, shown):
    assert pii.mask_person(name, phone, username) == shown


def test_primitives_hide_the_middle():
    assert pii.mask_name("欧阳小明") == "欧***"
    assert pii.mask_phone("13812345678") == "138****5678"
    assert pii.mask_id("110105199003071239") == "110***********1239"


@pytest.mark.django_db
def test_a_customer_shows_the_same_on_every_leader_page():
    net = Net()
    leader = net.leader()
    buyer = make_buyer(display_name="演示买家")
    binding.touch(buyer=buyer, leader=leader.user, channel="link")
    order = net.sale(leader, buyer=buyer)  # real name on the order: 张三
    complete(order)
    commission.settle_due()
    c = Client()
    c.force_login(leader.user)
    pages = {name: c.get(reverse(f"leader:{name}")).content.decode()
             for name in ("customers", "orders", "earnings")}
    for name, html in pages.items():
        assert "演***" in html, name
        assert order.buyer_name not in html, name
        assert pii.mask_name(order.buyer_name) not in html, name
    ops = Client()
    ops.force_login(net.operator)
    bindings = ops.get(reverse("ops:bindings"), {"leader": leader.invite_code}).content.decode()
    assert "演***" in bindings
