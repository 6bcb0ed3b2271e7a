"""The WeChat Pay adapter and its simulator (payments.wechatpay) together with
the customs declaration: an order paid through WeChat Pay JSAPI/H5 is declared
to customs by WeChat (no CEB411 of ours) and clears."""

from __future__ import annotations

import pytest

from shequn.customs.models import Declaration, Message, PaymentDeclaration
from shequn.orders.models import Order
from shequn.payments import services
from shequn.payments.models import Payment, WxSimTransaction
from tests.builders import cart_with, make_buyable, make_buyer_with_identity
from tests.payments.wechatpay.conftest import wx_var_dir, wxpay  # noqa: F401

from .wechat_paydecl_helpers import run_until_quiet

pytestmark = pytest.mark.django_db(transaction=True)


def test_order_paid_with_wechat_pay_is_declared_by_wechat_and_clears(client, wxpay):  # noqa: F811
    from shequn.checkout.services import place_order

    buyer = make_buyer_with_identity()
    sku = make_buyable("298.00", 10)
    cart = cart_with(buyer.user, (sku, 1))
    [order] = place_order(user=buyer.user, cart=cart, identity_id=buyer.identity_id,
                          address_id=buyer.address_id, expected_version=cart.version)
    services.start_payment(buyer.user, order.checkout_id)
    # Native (QR) scene: the buyer scans and pays at the simulator.
    client.force_login(buyer.user)
    desk = client.get(f"/pay/wechat/{order.checkout_id}/",
                      HTTP_USER_AGENT="Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0")
    assert client.post(desk.context["scan_url"]).status_code == 302
    trade = WxSimTransaction.objects.get(out_trade_no=order.number)
    payment = Payment.objects.get(order=order)
    assert payment.provider == "wechatpay" and payment.state == Payment.State.SUCCEEDED
    run_until_quiet()
    pd = PaymentDeclaration.objects.get(order=order)
    assert pd.state == PaymentDeclaration.State.ACCEPTED
    assert pd.payment.provider_txn_id == WxSimTransaction.objects.get(pk=trade.pk).transaction_id
    declaration = Declaration.objects.get(order=order)
    assert not Message.objects.filter(declaration=declaration, kind="CEB411").exists()
    assert Order.objects.get(pk=order.pk).cleared_at is not None
