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
