"""The leader console's withdrawal form is idempotent: one rendered form, one withdrawal."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from shequn.commission import selectors as money
from shequn.commission import services as commission
from shequn.commission.models import CommissionLine, Withdrawal
from shequn.distribution.models import LeaderProfile
from tests.builders import Net, complete

pytestmark = pytest.mark.django_db
HX = {"HTTP_HX_REQUEST": "true"}
TOKEN = re.compile(r'name="request_key" value="([0-9a-f-]{36})"')


@pytest.fixture
def net() -> Net:
    return Net()


def client_for(profile: LeaderProfile) -> Client:
    c = Client()
    c.force_login(profile.user)
    return c


def settled(net: Net, profile: LeaderProfile, qty: int = 2) -> CommissionLine:
    order = net.sale(profile, qty=qty)
    complete(order)
    commission.settle_due()
    return CommissionLine.objects.get(order=order)


def test_double_submit_of_one_form_creates_one_withdrawal(net: Net):
    a = net.leader()
    line = settled(net, a)
    c = client_for(a)
    token = TOKEN.search(c.get(reverse("leader:earnings")).content.decode())
    assert token is not None
    data = {"amount": "15.50", "request_key": token.group(1)}
    first = c.post(reverse("leader:withdraw"), data, **HX)
    second = c.post(reverse("leader:withdraw"), data)  # e.g. a plain re-post
    assert first.status_code == 200 and second.status_code == 302
    assert Withdrawal.objects.filter(leader=a.user).count() == 1
    assert money.balances(a.user).available == line.amount - Decimal("15.50")
    # The re-rendered form carries a new token, so a real second request works.
    fresh = TOKEN.search(first.content.decode())
    assert fresh is not None and fresh.group(1) != token.group(1)
    c.post(reverse("leader:withdraw"), {"amount": "10.00", "request_key": fresh.group(1)},
           **HX)
    assert Withdrawal.objects.filter(leader=a.user).count() == 2


def test_each_rendered_form_has_its_own_token(net: Net):
    c = client_for(net.leader())
    one = TOKEN.search(c.get(reverse("leader:earnings")).content.decode())
    two = TOKEN.search(c.get(reverse("leader:earnings")).content.decode())
    assert one and two and one.group(1) != two.group(1)


@pytest.mark.parametrize("fees", [False, True])
def test_the_withdrawal_terms_are_one_sentence_per_language(net: Net, settings, fees: bool):
    """The terms are whole translated sentences: a Chinese page never gets the English
    full stop and space between them (最低提现 ¥10.00. 提现需…)."""
    from django.utils import translation

    if fees:
        settings.SHEQUN = {**settings.SHEQUN, "COMMISSION_WITHDRAWAL_FEE_RATE": "0.006",
                           "COMMISSION_WITHDRAWAL_FEE_FIXED": "1.00"}
    c = client_for(net.leader())
    terms = re.compile(r'data-testid="withdraw-terms">(.*?)</p>', re.S)
    english = terms.search(c.get(reverse("leader:earnings"), HTTP_ACCEPT_LANGUAGE="en")
                           .content.decode())
    assert english is not None
    assert english.group(1) == (
        "Minimum withdrawal ¥10.00; fee 0.006 × amount + ¥1.00. An operator reviews every "
        "withdrawal before the payout." if fees else
        "Minimum withdrawal ¥10.00. An operator reviews every withdrawal before the payout.")
    chinese = terms.search(c.get(reverse("leader:earnings"), HTTP_ACCEPT_LANGUAGE="zh-hans")
                           .content.decode())
    assert chinese is not None
    with translation.override("zh-hans"):
        fee = translation.gettext("%(rate)s × amount") % {"rate": "0.006"} + " + ¥1.00"
        sentence = translation.gettext(
            "Minimum withdrawal %(minimum)s; fee %(fee)s. An operator reviews every withdrawal "
            "before the payout." if fees else
            "Minimum withdrawal %(minimum)s. An operator reviews every withdrawal before the "
            "payout.")
    assert chinese.group(1) == sentence % {"minimum": "¥10.00", "fee": fee}
    assert "¥10.00. 提现" not in chinese.group(1)
