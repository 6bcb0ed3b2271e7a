"""The buyer's whole journey in real Chromium at phone size: share link → product
→ cart → sign-in → real name and address → order → simulated payment → paid."""

from __future__ import annotations

import re

import pytest
from stdnum.cn import ric

BUYER_PHONE = "13800138000"


def _resident_id() -> str:
    body = "11010519491231002"
    # stdnum's calc_check_digit takes the full 18 characters; the last one is ignored.
    return body + ric.calc_check_digit(body + "0")


def _read_demo_code(page) -> str:
    """The SMS simulator shows the code on the sign-in page."""
    loc = page.locator("#demo-code, [data-demo-code]").first
    loc.wait_for(state="visible")
    code = loc.get_attribute("data-demo-code") or ""
    if not re.fullmatch(r"\d{6}", code):
        found = re.search(r"\d{6}", loc.inner_text())
        assert found, "no 6-digit code on the page"
        code = found.group(0)
    return code


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_buy_flow(server, browser_page, shot):
    from shequn.demo.seeding import seed
    from shequn.orders.models import Order
    from shequn.shops.tokens import make_share_token

    data = seed()
    serum = data.skus["SB-SERUM-30"]
    token = make_share_token(data.shop, listing=None, channel="link")
    page = browser_page
    base = server.url

    # 1. The leader's share link lands on the shop.
    page.goto(f"{base}/t/{token}/")
    page.wait_for_url(f"{base}/s/{data.shop.slug}/")
    assert page.locator(".shop-name").inner_text() == data.shop.name
    page.wait_for_load_state("networkidle")
    shot("01-share")

    # 2. Product page with the tax estimate.
    page.locator("a.product-card", has_text=serum.product.name).click()
    page.wait_for_url(re.compile(rf"/s/{data.shop.slug}/p/{serum.product_id}/"))
    assert "预估税费" in page.locator("[data-testid=tax-estimate]").inner_text()
    shot("02-product")

    # 3. Add to cart over htmx: the toast shows and the badge counts 1.
    page.click("#add-to-cart")
    page.locator("#toast .toast-msg").wait_for(state="visible")
    assert page.locator("#cart-badge").inner_text().strip() == "1"
    shot("03-added")

    # 4. Cart.
    page.click(".buybar-cart")
    page.wait_for_url(f"{base}/cart/")
    assert serum.product.name in page.locator(".cart-lines").inner_text()
    shot("04-cart")

    # 5. Checkout needs sign-in.
    page.click("#go-checkout")
    page.wait_for_url(re.compile(r"/login/\?next=/checkout/"))
    page.fill("input[name=phone]", BUYER_PHONE)
    page.click("#send-code")
    code = _read_demo_code(page)
    page.fill("input[name=code]", code)
    shot("05-login")
    submit = page.locator("#login-submit")
    if submit.count() == 0:
        submit = page.locator("form:has(input[name=code]) button[type=submit]:not(#send-code)")
    submit.first.click()
    page.wait_for_url(f"{base}/checkout/")
    shot("06-checkout-signed-in")

    # 6. Real name of the buyer (a wrong check digit first: the error shows at the
    # field and what was typed stays), then the address.
    form = page.locator("#identity-form")
    form.locator("input[name=name]").fill("张三")
    form.locator("input[name=id_number]").fill(_resident_id()[:17] + "1")
    form.locator("input[name=phone]").fill(BUYER_PHONE)
    page.click("#save-identity")
    page.locator("#identity-form .field-error").wait_for(state="visible")
    assert "身份证号码无效" in page.locator("#identity-form .has-error").inner_text()
    shot("06b-identity-error")
    form = page.locator("#identity-form")
    form.locator("input[name=name]").fill("张三")
    form.locator("input[name=id_number]").fill(_resident_id())
    form.locator("input[name=phone]").fill(BUYER_PHONE)
    page.click("#save-identity")
    page.wait_for_load_state("load")
    assert page.locator("#identity-card .choice").count() == 1
    form = page.locator("#address-form")
    form.locator("input[name=consignee]").fill("张三")
    form.locator("input[name=phone]").fill(BUYER_PHONE)
    # The province → city → district picker (GB/T 2260): a municipality's one
    # city is chosen by itself; the hidden inputs carry names and code.
    form.locator("select[data-level=province]").select_option(label="北京市")
    form.locator("select[data-level=district]").select_option(label="朝阳区")
    assert form.locator("input[name=district_code]").input_value() == "110105"
    assert form.locator("input[name=city]").input_value() == "北京市"
    form.locator("input[name=detail]").fill("建国路 88 号 1 单元 101")
    page.click("#save-address")
    page.wait_for_load_state("load")
    assert page.locator("#address-card .choice").count() == 1
    payable = page.locator("[data-testid=payable]").inner_text()
    shot("07-checkout-ready")

    # 7. Place the order and pay on the provider simulator.
    page.click("#place-order")
    page.wait_for_url(re.compile(r"/paysim/"))
    shot("08-paysim")
    page.click("#sim-pay-confirm")
    page.wait_for_url(re.compile(r"/orders/\?checkout="))
    state = page.locator("[data-testid=order-state]").first
    for _ in range(5):
        if state.inner_text().strip() == "已付款":
            break
        page.wait_for_timeout(500)
        page.reload()
    assert state.inner_text().strip() == "已付款"
    shot("09-orders-paid")

    page.locator("a.order-card").first.click()
    page.wait_for_url(re.compile(r"/orders/[^/?]+/$"))
    assert "已付款" in page.locator(".timeline").inner_text()
    shot("10-order-detail")

    orders = list(Order.objects.filter(user__phone_masked__startswith="138"))
    assert len(orders) == 1
    order = orders[0]
    assert order.state == Order.State.PAID
    assert order.leader_id == data.leader.pk
    assert order.shop_id == data.shop.pk
    assert f"¥{order.actual_paid:,.2f}" == payable


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_tampered_share_link(server, browser_page, shot):
    from shequn.checkout.models import Cart
    from shequn.demo.seeding import seed
    from shequn.shops.tokens import make_share_token

    data = seed()
    token = make_share_token(data.shop)
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    page = browser_page
    page.goto(f"{server.url}/t/{tampered}/")
    page.wait_for_load_state("networkidle")
    assert "分享链接无效或已过期" in page.content()
    shot("90-tampered-link")
    assert not Cart.objects.filter(leader__isnull=False).exists()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_buy_now_goes_to_checkout(server, browser_page, shot):
    from shequn.demo.seeding import seed

    data = seed()
    cream = data.skus["RN-HANDCREAM-75"]
    page = browser_page
    page.goto(f"{server.url}/s/{data.shop.slug}/p/{cream.product_id}/")
    assert "海外直邮 · 9610" in page.locator(".facts").inner_text()
    shot("91-direct-mail-product")
    page.click("#buy-now")
    # 立即购买 adds the item and heads for checkout, which first asks to sign in.
    page.wait_for_url(re.compile(r"/login/\?next=/checkout/"))
    page.goto(f"{server.url}/cart/")
    assert cream.product.name in page.locator(".cart-lines").inner_text()
