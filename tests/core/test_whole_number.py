"""Ids and numbers typed or posted as text: ASCII digits only, within an id's range."""

from __future__ import annotations

import pytest
from django.test import Client

from shequn.core.httpinput import whole_number
from shequn.payments import signing

ODD = ["²", "①", "١٢", "１２", "1" * 30, "", " ", "-1", "1.0", None]


def test_whole_number():
    assert whole_number("42") == 42 and whole_number(" 7 ") == 7 and whole_number(12) == 12
    assert whole_number("9" * 18) == 10**18 - 1
    for text in ODD:
        assert whole_number(text) is None, text


def test_a_payment_notification_with_an_odd_timestamp_is_stale_not_a_500():
    # "²".isdigit() holds and int("²") raises: the notification view's 500.
    for stamp in ("²", "١٧٠٠٠٠٠٠٠٠", "9" * 40):
        assert signing.verify("secret", stamp, "n", b"{}", "sig", 1_700_000_000) == "stale"


@pytest.mark.django_db
@pytest.mark.parametrize("q", ["²", "1" * 30])
def test_an_odd_number_in_the_outbox_search_is_not_a_500(q):
    # "²" passed isdigit() into int(); 30 digits overflowed the id column.
    from tests.builders.people import make_operator
    client = Client(raise_request_exception=False)
    client.force_login(make_operator())
    assert client.get("/ops/outbox/", {"q": q}).status_code == 200


@pytest.mark.django_db
def test_an_odd_return_number_on_the_ops_order_page_is_refused_not_a_500():
    from tests.builders.buying import make_buyer_with_identity, place_paid_order
    from tests.builders.catalog import make_buyable
    from tests.builders.people import make_operator

    order = place_paid_order(make_buyer_with_identity().user, make_buyable())
    client = Client(raise_request_exception=False)
    client.force_login(make_operator())
    for raw in ("²", "1" * 30):
        r = client.post(f"/ops/orders/{order.number}/return-approve/", {"after_sale": raw})
        assert r.status_code < 500, (raw, r.status_code)
