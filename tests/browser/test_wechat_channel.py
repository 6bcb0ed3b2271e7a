"""Issue 12, "Done when", in real Chromium at phone size with WeChat's User-Agent:
a buyer opens a leader's card link, signs in with WeChat through the simulator
(silent OAuth), binds a phone once, pays with JSAPI through the WeChat Pay
simulator (its WeixinJSBridge stand-in, /wxpaysim/bridge.js, which the demo pay
page loads); the payment is declared to customs through the 支付单报关 simulator
(customs.paydecl / customs.wxdeclare, embedded) and the order clears. The share-card
configuration of the product page validates (the signature is recomputed here).

Refund: an order customs has released cannot be refunded by an operator (the
declaration is live; the way back is a return). So a second order of the same
buyer (no phone asked again; its pay page finds no openid in the session and
goes through WeChat's OAuth first, not H5) is held for review by the customs
simulator, the operator cancels its declaration (CEB623), customs approves and
the payment is refunded through WeChat Pay: the refund stays pending while its
notification is lost and completes when the simulator's retry delivers it.

Everything runs in process, as in the demo. Screenshots: test-artifacts/browser/wxc-*.png.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib
import re
from typing import Any

import pytest
from django.conf import settings as django_settings

from tests.browser.test_leader_flow import _login_as
from tests.browser.test_wechat_share import FAKE_WX
from tests.builders import resident_id

UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
      "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI "
      "Language/zh_CN")
PHONE = "13800138066"
NAME = "王小明"
ID_NUMBER = resident_id("110105", "19900307", "004")
FAST_SCHEDULE = [10, 10, 20, 30]


def _background(rounds: int = 20) -> None:
    """The worker: outbox, the customs simulator and (with 支付单报关) the WeChat
    declaration queries, the clock moving on a minute between rounds."""
    from shequn.core import clock, outbox
    from shequn.customs import paydecl
    from shequn.customs import services as customs
    from shequn.customs.models import PaymentDeclaration
    from shequn.customs.states import PD_POLLED

    for _ in range(rounds):
        moved = outbox.drain() + customs.pump_embedded() + paydecl.poll_due()
        clock.advance(dt.timedelta(seconds=61))
        if not moved and not PaymentDeclaration.objects.filter(state__in=PD_POLLED).exists():
            return


def _wait_state(page: Any, label: str) -> None:
    state = page.locator("[data-testid=order-state]").first
    for _ in range(10):
        if state.inner_text().strip() == label:
            return
        page.wait_for_timeout(300)
        page.reload()
    assert state.inner_text().strip() == label


def _pay_with_jsapi(page: Any, base: str, shot: Any, name: str) -> None:
    """On /pay/wechat/<checkout>/ in the JSAPI scene: the bridge's confirmation
    is accepted, the simulator verifies paySign and notifies Shequn."""
    page.locator("#wxpay[data-scene=jsapi]").wait_for()
    page.wait_for_function("typeof window.WeixinJSBridge === 'object'")
    shot(name)
    page.click("#wxpay-go")
    page.wait_for_url(re.compile(re.escape(base) + r"/orders/\?checkout="))
    _wait_state(page, "已付款")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_wechat_channel_end_to_end(server, browser_page, shot, settings, tmp_path):
    from django.contrib.sessions.backends.base import SessionBase

    from shequn.accounts.models import WeChatAccount
    from shequn.core import clock
    from shequn.customs import gateway
    from shequn.customs.models import Declaration, Message, PaymentDeclaration
    from shequn.demo.seeding import seed
    from shequn.orders.models import Order
    from shequn.payments.models import Payment, PaymentNotification, Refund, WxSimTransaction
    from shequn.payments.wechatpay import config as wxconfig
    from shequn.payments.wechatpay.sim import delivery
    from shequn.shops.models import Listing
    from shequn.shops.services import share_url
    from shequn.web.sim import wechat_api as jssdk_sim

    # The demo's WeChat Pay: the in-process simulator, its keys made in a
    # temporary VAR_DIR, notifications to this live server.
    settings.VAR_DIR = tmp_path
    settings.SHEQUN = {
        **settings.SHEQUN, "PAYMENT_PROVIDER": "wechatpay",
        "WECHATPAY": {**settings.SHEQUN.get("WECHATPAY", {}), "BASE_URL": "demo",
                      "NOTIFY_BASE": server.url},
        "WECHATPAY_SIM": {"RETRY_SCHEDULE": FAST_SCHEDULE, "SIGN_WITH": "certificate"},
        "SIMULATORS_MOUNTED": True}
    wxconfig.reset_cache()
    gateway.reset_embedded()
    jssdk_sim.reset()

    data = seed()
    serum = data.skus["SB-SERUM-30"]
    listing = Listing.objects.get(shop=data.shop, product=serum.product)
    page = browser_page
    page.context.new_cdp_session(page).send("Network.setUserAgentOverride",
                                            {"userAgent": UA, "acceptLanguage": "zh-CN"})
    page.add_init_script(FAKE_WX)  # records the page's JS-SDK calls (share card)
    page.on("dialog", lambda d: d.accept())  # the bridge's "pay?" confirmation
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if r.is_navigation_request() else None)
    base = server.url
    product_url = f"{base}/s/{data.shop.slug}/p/{serum.product_id}/"

    # 1. The leader's card link, opened in WeChat: silent OAuth on the simulator,
    #    back on the product page, signed in.
    page.goto(base + share_url(data.shop, listing))
    page.wait_for_url(re.compile(re.escape(product_url) + r"(#wechat_redirect)?$"))
    assert any("/_sim/wechat/connect/oauth2/authorize?appid=" in u for u in seen), seen
    acct = WeChatAccount.objects.get()
    assert not acct.user.phone_hash

    # 2. The share card: wx.config's signature recomputed from the simulator's
    #    ticket and the page URL; the card carries the leader's link.
    page.wait_for_function("window.__wxCalls.some(c => c[0] === 'updateAppMessageShareData')")
    calls = page.evaluate("window.__wxCalls")
    cfg = next(arg for n, arg in calls if n == "config")
    ticket = jssdk_sim._tickets()[-1]["ticket"]
    url = page.url.split("#")[0]
    signed = (f"jsapi_ticket={ticket}&noncestr={cfg['nonceStr']}&timestamp={cfg['timestamp']}"
              f"&url={url}")
    assert cfg["signature"] == hashlib.sha1(signed.encode()).hexdigest()
    assert jssdk_sim.verify_config(url, cfg["signature"], cfg["nonceStr"],
                                   cfg["timestamp"]) == "ok"
    card = next(arg for n, arg in calls if n == "updateAppMessageShareData")
    assert card["title"] == serum.product.name and card["link"].startswith(f"{base}/t/")
    page.wait_for_load_state("networkidle")
    shot("wxc-01-product")

    # 3. Cart → checkout: a phone is bound once, with the SMS simulator's code.
    page.click("#add-to-cart")
    page.locator("#toast .toast-msg").wait_for(state="visible")
    page.click(".buybar-cart")
    page.wait_for_url(f"{base}/cart/")
    page.click("#go-checkout")
    page.wait_for_url(f"{base}/bind-phone/?next=/checkout/")
    page.fill("#bind-phone-form input[name=phone]", PHONE)
    page.click("#send-code")
    page.locator("#code-status .notice-success").wait_for(state="visible")
    inbox = page.context.new_page()
    inbox.goto(f"{base}/sim/sms/")
    inbox.fill("#sim-sms-phone", PHONE)
    inbox.click("#sim-sms-find")
    code = inbox.locator("#sim-sms-code").inner_text().strip()
    inbox.close()
    page.fill("#bind-phone-form input[name=code]", code)
    shot("wxc-02-bind-phone")
    page.click("#bind-submit")
    page.wait_for_url(f"{base}/checkout/")

    # 4. Real name and address, then the order.
    form = page.locator("#identity-form")
    form.locator("input[name=name]").fill(NAME)
    form.locator("input[name=id_number]").fill(ID_NUMBER)
    form.locator("input[name=phone]").fill(PHONE)
    page.click("#save-identity")
    page.wait_for_load_state("load")
    assert page.locator("#identity-card .choice").count() == 1
    form = page.locator("#address-form")
    form.locator("input[name=consignee]").fill(NAME)
    form.locator("input[name=phone]").fill(PHONE)
    form.locator("select[data-level=province]").select_option(label="北京市")
    form.locator("select[data-level=district]").select_option(label="朝阳区")
    form.locator("input[name=detail]").fill("建国路 88 号 1 单元 101")
    page.click("#save-address")
    page.wait_for_load_state("load")
    assert page.locator("#address-card .choice").count() == 1
    shot("wxc-03-checkout")
    page.click("#place-order")

    # 5. JSAPI on the WeChat Pay simulator: paySign checked, notification applied.
    page.wait_for_url(re.compile(re.escape(base) + r"/pay/wechat/[0-9a-f-]+/$"))
    _pay_with_jsapi(page, base, shot, "wxc-04-pay-jsapi")
    shot("wxc-05-orders-paid")
    order = Order.objects.get(user=acct.user)
    payment = Payment.objects.get(order=order, state=Payment.State.SUCCEEDED)
    trade = WxSimTransaction.objects.get(out_trade_no=order.number)
    assert payment.provider == "wechatpay" and trade.trade_type == "JSAPI"
    assert trade.openid == acct.openid and payment.provider_txn_id == trade.transaction_id
    assert order.leader_id == data.shop.owner_id and order.shop_id == data.shop.pk

    # 6. Customs: the payment declared by WeChat (支付单报关 simulator), the order clears.
    #    (No CEB411 of ours: it needs the payer's verified ID, which WeChat Pay
    #    does not report; WeChat pushes the payment record to customs instead.)
    _background()
    order.refresh_from_db()
    assert order.cleared_at is not None, "customs did not release the order"
    declaration = Declaration.objects.get(order=order)
    pd = PaymentDeclaration.objects.get(order=order)
    assert pd.state == PaymentDeclaration.State.ACCEPTED and pd.wx_state == "SUCCESS"
    assert pd.payment_id == payment.pk
    assert not Message.objects.filter(declaration=declaration, kind="CEB411").exists()
    page.locator("a.order-card").first.click()
    page.wait_for_url(re.compile(r"/orders/[^/?]+/$"))
    shot("wxc-06-order-cleared")

    # 7. A second order: no phone asked again. Its session lost the openid (say, a
    #    session from before): the pay page goes through WeChat's OAuth, not H5.
    settings.SHEQUN = {**settings.SHEQUN,
                       "CUSTOMS_SIM": {"review_rate": 1.0, "review_delay": 3600.0}}
    gateway.reset_embedded()
    page.goto(product_url)
    page.click("#add-to-cart")
    page.locator("#toast .toast-msg").wait_for(state="visible")
    page.goto(f"{base}/cart/")
    page.click("#go-checkout")
    page.wait_for_url(f"{base}/checkout/")
    page.locator("#place-order").wait_for()
    key = next(c["value"] for c in page.context.cookies()
               if c["name"] == django_settings.SESSION_COOKIE_NAME)
    store: SessionBase = importlib.import_module(
        django_settings.SESSION_ENGINE).SessionStore(session_key=key)
    assert store.pop("wechat_openid")
    store.save()
    seen.clear()
    page.click("#place-order")
    page.wait_for_url(re.compile(re.escape(base) + r"/pay/wechat/[0-9a-f-]+/(#wechat_redirect)?$"))
    assert any("/wechat/oauth/start?next=%2Fpay%2Fwechat%2F" in u for u in seen), seen
    assert not any("/wxpaysim/h5/" in u for u in seen), seen
    _pay_with_jsapi(page, base, shot, "wxc-07-pay-again")
    order2 = Order.objects.exclude(pk=order.pk).get(user=acct.user)
    _background()
    order2.refresh_from_db()
    assert order2.cleared_at is None and order2.state == Order.State.PAID

    # 8. The operator cancels its declaration (CEB623); customs approves; the
    #    refund goes to WeChat Pay, whose first refund notification is lost.
    buyer_cookies = page.context.cookies()
    _login_as(page, base, data.operator)
    page.set_viewport_size({"width": 1280, "height": 900})  # the operator's desk
    page.goto(f"{base}/ops/customs/{order2.number}/")
    page.fill("form.c-inline-form input[name=reason]", "顾客取消")
    shot("wxc-08-ops-cancel")
    page.click("[data-testid=cancel-declaration]")
    page.wait_for_load_state("load")
    page.set_viewport_size({"width": 390, "height": 844})
    # On a phone the page fits its width (wide tables scroll inside their card).
    page.goto(f"{base}/ops/customs/{order2.number}/")
    shot("wxc-08b-ops-customs-phone")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    delivery.queue_fault("drop", 1)
    _background()
    order2.refresh_from_db()
    assert order2.state == Order.State.REFUNDED
    refund = Refund.objects.get(payment__order=order2)
    assert refund.state == Refund.State.REQUESTED, "refunded before WeChat's notification"
    assert not PaymentNotification.objects.filter(outcome="refund_succeeded").exists()

    # 9. The simulator re-pushes the refund notification: the refund completes.
    clock.advance(dt.timedelta(seconds=FAST_SCHEDULE[0] + 1))
    delivery.deliver_due()
    refund.refresh_from_db()
    assert refund.state == Refund.State.SUCCEEDED and refund.completed_at is not None
    assert PaymentNotification.objects.filter(outcome="refund_succeeded").count() == 1
    page.context.clear_cookies()
    page.context.add_cookies(buyer_cookies)
    page.goto(f"{base}/orders/")
    shot("wxc-09-orders-refunded")
    assert Order.objects.get(pk=order.pk).state == Order.State.PAID
