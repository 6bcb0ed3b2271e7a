"""In WeChat's browser the pay page needs the JSAPI payer's openid: without one
in the session it sends the buyer through WeChat's OAuth first (WeChat's browser
refuses H5 payments), and comes back to itself; a buyer who declined WeChat's
sign-in, or asks for the QR code, is not sent round again."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from shequn.payments.models import WxSimTransaction
from tests.payments.wechatpay.test_end_to_end import WECHAT_UA, _placed

pytestmark = pytest.mark.django_db(transaction=True)


def test_in_wechat_without_openid_signs_in_with_wechat_first(client, wxpay):
    buyer, order, _ = _placed()
    client.force_login(buyer.user)
    url = f"/pay/wechat/{order.checkout_id}/"
    page = client.get(url, HTTP_USER_AGENT=WECHAT_UA)
    assert page.status_code == 302
    where = urlsplit(page["Location"])
    assert where.path == "/wechat/oauth/start" and parse_qs(where.query)["next"] == [url]
    assert not WxSimTransaction.objects.exists()  # no H5 order was made


def test_declined_or_native_is_not_sent_round_again(client, wxpay):
    buyer, order, _ = _placed()
    client.force_login(buyer.user)
    url = f"/pay/wechat/{order.checkout_id}/"
    assert client.get(url + "?scene=native", HTTP_USER_AGENT=WECHAT_UA).context[
        "scene"] == "native"
    session = client.session
    session["wechat_oauth_declined"] = True
    session.save()
    page = client.get(url, HTTP_USER_AGENT=WECHAT_UA)
    assert page.status_code == 302 and "/wxpaysim/h5/" in page["Location"]


def test_phone_signed_in_buyer_comes_back_from_wechat_sign_in_as_themselves(client, wxpay):
    # A buyer signed in by phone (their order is theirs) opens the pay page in
    # WeChat: the OAuth round must only fetch the payer's openid, not sign in a
    # fresh WeChat account that owns nothing (the pay page then had nothing to
    # pay and the buyer was signed out of the account holding the order).
    from tests.accounts.test_wechat_sign_in import _authorize

    buyer, order, _ = _placed()
    client.force_login(buyer.user)
    url = f"/pay/wechat/{order.checkout_id}/"
    start = client.get(client.get(url, HTTP_USER_AGENT=WECHAT_UA)["Location"],
                       HTTP_USER_AGENT=WECHAT_UA)
    callback = urlsplit(_authorize(client, start["Location"]))
    back = client.get(f"{callback.path}?{callback.query}", HTTP_USER_AGENT=WECHAT_UA)
    assert back.status_code == 302 and back["Location"] == url
    assert int(client.session["_auth_user_id"]) == buyer.user.pk
    # One person, one account: the WeChat identity is the buyer's now.
    from shequn.accounts.models import WeChatAccount

    linked = WeChatAccount.objects.get()
    assert linked.user_id == buyer.user.pk and client.session["wechat_openid"] == linked.openid
    page = client.get(url, HTTP_USER_AGENT=WECHAT_UA)
    assert page.status_code == 200 and page.context["scene"] == "jsapi"
