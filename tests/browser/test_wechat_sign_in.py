"""Sign in with WeChat in real Chromium at phone size, with WeChat's browser
User-Agent: a leader's share link → silent sign-in on the WeChat simulator →
the product page, signed in → checkout → bind a phone with the code from the
SMS simulator → the checkout form. The server calls the simulator over HTTP
(urllib against the live server), as it would call api.weixin.qq.com."""

from __future__ import annotations

import re

import pytest

UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
      "(KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003137) NetType/WIFI "
      "Language/zh_CN")
PHONE = "13800138077"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_wechat_sign_in_then_phone_binding(server, browser_page, shot):
    from shequn.accounts.models import WeChatAccount
    from shequn.demo.seeding import seed
    from shequn.shops.models import Listing
    from shequn.shops.tokens import make_share_token

    data = seed()
    serum = data.skus["SB-SERUM-30"]
    listing = Listing.objects.get(shop=data.shop, product=serum.product)
    token = make_share_token(data.shop, listing=listing, channel="link")
    page = browser_page
    # WeChat's in-app browser: the User-Agent of every request and of navigator.
    page.context.new_cdp_session(page).send("Network.setUserAgentOverride",
                                            {"userAgent": UA, "acceptLanguage": "zh-CN"})
    base = server.url
    product_url = f"{base}/s/{data.shop.slug}/p/{serum.product_id}/"

    # 1. The share link, opened in WeChat: start → simulator (snsapi_base, silent)
    #    → callback → the share link again → the product page, signed in.
    seen: list[str] = []
    page.on("request", lambda r: seen.append(r.url) if r.is_navigation_request() else None)
    page.goto(f"{base}/t/{token}/")
    # The browser keeps the authorize link's "#wechat_redirect" across the redirects
    # that carry no fragment of their own (as in WeChat).
    page.wait_for_url(re.compile(re.escape(product_url) + r"(#wechat_redirect)?$"))
    assert any("/_sim/wechat/connect/oauth2/authorize?appid=" in u for u in seen), seen
    assert any("/wechat/oauth/callback?code=" in u for u in seen), seen
    acct = WeChatAccount.objects.get()
    assert not acct.user.phone_hash
    assert page.locator("[data-testid=tax-estimate]").is_visible()
    page.wait_for_load_state("networkidle")
    shot("wx-01-product-signed-in")

    # The share link's attribution survived the round trip.
    from shequn.checkout.models import Cart

    cart = Cart.objects.get(user=acct.user)
    assert cart.leader_id == data.shop.owner_id and cart.shop_id == data.shop.pk

    # 2. Add to cart, go to checkout: a phone is asked for first.
    page.click("#add-to-cart")
    page.locator("#toast .toast-msg").wait_for(state="visible")
    page.click(".buybar-cart")
    page.wait_for_url(f"{base}/cart/")
    page.click("#go-checkout")
    page.wait_for_url(f"{base}/bind-phone/?next=/checkout/")
    shot("wx-02-bind-phone")

    # 3. Send the code; read it on the SMS simulator's inbox (another tab).
    page.fill("#bind-phone-form input[name=phone]", PHONE)
    page.click("#send-code")
    page.locator("#code-status .notice-success").wait_for(state="visible")
    inbox = page.context.new_page()
    inbox.goto(f"{base}/sim/sms/")
    inbox.fill("#sim-sms-phone", PHONE)
    inbox.click("#sim-sms-find")
    code = inbox.locator("#sim-sms-code").inner_text().strip()
    assert re.fullmatch(r"\d{6}", code), code
    inbox.close()

    # 4. Bind: on to the checkout form; never asked again.
    page.fill("#bind-phone-form input[name=code]", code)
    shot("wx-03-bind-filled")
    page.click("#bind-submit")
    page.wait_for_url(f"{base}/checkout/")
    page.locator("#identity-form").wait_for(state="attached")
    assert serum.product.name in page.content()
    shot("wx-04-checkout")
    acct.user.refresh_from_db()
    assert acct.user.phone_masked == "138****8077"
    page.goto(f"{base}/checkout/")
    assert page.url == f"{base}/checkout/"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_wechat_profile_consent_and_a_forged_callback(server, browser_page, shot):
    """The "use WeChat profile" round (snsapi_userinfo: the consent page), and what
    a forged callback shows."""
    from shequn.accounts.models import WeChatAccount

    page = browser_page
    page.context.new_cdp_session(page).send("Network.setUserAgentOverride",
                                            {"userAgent": UA, "acceptLanguage": "zh-CN"})
    base = server.url
    page.goto(f"{base}/me/")
    page.wait_for_url(re.compile(re.escape(f"{base}/me/") + r"(#wechat_redirect)?$"))
    assert WeChatAccount.objects.get().nickname == ""

    page.click("#use-wechat-profile")
    page.locator("#wechat-consent").wait_for(state="visible")
    shot("wx-05-consent")
    page.fill("#wechat-consent input[name=nickname]", "小林的邻居")
    page.click("#wechat-allow")
    page.wait_for_url(re.compile(re.escape(f"{base}/me/") + r"(#wechat_redirect)?$"))
    acct = WeChatAccount.objects.get()
    assert acct.nickname == "小林的邻居" and acct.unionid.startswith("o6_")
    assert acct.user.display_name == "小林的邻居"

    page.goto(f"{base}/wechat/oauth/callback?code=forged&state=forged")
    page.locator("#wechat-refused").wait_for(state="visible")
    assert page.locator("#wechat-refused").get_attribute("data-code") == "wechat_state_mismatch"
    shot("wx-06-refused")
    assert WeChatAccount.objects.count() == 1
