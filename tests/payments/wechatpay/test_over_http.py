"""The staging topology: Shequn talks to the simulator over HTTP at
``<host>/wxpaysim`` (the signed path includes the mount) and the simulator pushes
its notification over HTTP to /pay/wechat/notify. Also the public-key mode."""

from __future__ import annotations

import pytest

from shequn.checkout.services import place_order
from shequn.orders.models import Order
from shequn.payments import services
from shequn.payments.models import Payment, WxSimNotification, WxSimTransaction
from shequn.payments.wechatpay import config, provider
from shequn.payments.wechatpay.client import Client
from shequn.payments.wechatpay.sim import api as sim
from tests.builders import cart_with, make_buyable, make_buyer_with_identity
from tests.payments.wechatpay.conftest import FAST_SCHEDULE


def _configure(settings, var_dir, base_url, notify_base, public_key_only=False):
    settings.VAR_DIR = var_dir
    material = config.demo_material()
    raw = dict(line.split("=", 1) for line in config.material_env(material).splitlines())
    wx = {k.removeprefix("SHEQUN_WECHATPAY_"): v for k, v in raw.items()}
    if public_key_only:
        wx["PLATFORM_CERT"] = ""
    else:
        wx["PUBLIC_KEY"] = wx["PUBLIC_KEY_ID"] = ""
    wx.update(BASE_URL=base_url, NOTIFY_BASE=notify_base)
    settings.SHEQUN = {**settings.SHEQUN, "PAYMENT_PROVIDER": "wechatpay", "WECHATPAY": wx,
                       "WECHATPAY_SIM": {"RETRY_SCHEDULE": FAST_SCHEDULE,
                                         "SIGN_WITH": "certificate"},
                       "SIMULATORS_MOUNTED": True}
    config.reset_cache()
    return config.get_config()


@pytest.mark.django_db(transaction=True)
def test_staging_topology_over_http(settings, wx_var_dir, live_server):
    cfg = _configure(settings, wx_var_dir, live_server.url + "/wxpaysim", live_server.url)
    assert not cfg.in_process
    buyer = make_buyer_with_identity()
    sku = make_buyable("298.00", 10)
    cart = cart_with(buyer.user, (sku, 1))
    [order] = place_order(user=buyer.user, cart=cart, identity_id=buyer.identity_id,
                          address_id=buyer.address_id, expected_version=cart.version)
    services.start_payment(buyer.user, order.checkout_id)
    payment = Payment.objects.get(order=order)
    prepared = provider.prepay(payment, "native")
    assert prepared["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")
    sim.pay(WxSimTransaction.objects.get(out_trade_no=order.number).prepay_id)
    note = WxSimNotification.objects.get(key=order.number)
    assert (note.state, note.last_status) == ("acked", 204)
    order.refresh_from_db()
    assert order.state == Order.State.PAID
    assert Client(cfg).query(order.number)["trade_state"] == "SUCCESS"
    config.reset_cache()


@pytest.mark.django_db
def test_public_key_mode_asks_for_and_verifies_public_key_signatures(settings, wx_var_dir):
    cfg = _configure(settings, wx_var_dir, "demo", "http://testserver", public_key_only=True)
    assert cfg.public_key_id.startswith("PUB_KEY_ID_")
    seen = {}

    def spy(method, url, headers, body):
        from shequn.payments.wechatpay.client import _in_process

        status, resp_headers, resp_body = _in_process(method, url, headers, body)
        seen["request"] = headers.get("Wechatpay-Serial")
        seen["response"] = resp_headers["Wechatpay-Serial"]
        return status, resp_headers, resp_body

    Client(cfg, transport=spy).native(out_trade_no="SO00000PK1", description="x",
                                      total_fen=100, notify_url="https://a.example/n")
    assert seen == {"request": cfg.public_key_id, "response": cfg.public_key_id}
    config.reset_cache()
