"""Issue 3 end to end in real Chromium at phone size: a member applies and an operator
approves; the new leader lists a product and shares its poster; a buyer opens the
poster link and buys; the leader sees pending commission; the clock moves past the
after-sales window, the order completes and the settlement job runs; the leader
withdraws and the operator approves and pays out. A second purchase is refunded and
the leader sees the commission reversed.

People switch by session cookie (each is a real signed-in Django session); every step
in between is a click on the real pages. Screenshots: test-artifacts/browser/l*.png."""

from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from PIL import Image

from tests.browser.test_buy_flow import _read_demo_code
from tests.builders import resident_id

MEMBER_PHONE = "13700001111"
BUYERS = (("13800138000", resident_id("110105", "19491231", "002"), "张三"),
          ("13900139000", resident_id("110105", "19800101", "003"), "李四"))


def _login_as(page: Any, base: str, user: Any) -> None:
    """Continue as ``user``: a real session made by Django's test client, set as the
    browser's session cookie (the sign-in page itself is covered by the buy flow)."""
    c = Client()
    c.force_login(user)
    key = c.cookies[settings.SESSION_COOKIE_NAME].value
    page.context.clear_cookies()
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": key,
                               "url": base}])


def _buy_from_product_page(page: Any, base: str, phone: str, id_number: str, name: str,
                           shot: Any, prefix: str) -> str:
    """From a product page: add to cart, sign in by phone code, real name, address,
    place the order and pay on the provider simulator. Returns the paid order number."""
    page.click("#add-to-cart")
    page.locator("#toast .toast-msg").wait_for(state="visible")
    page.click(".buybar-cart")
    page.wait_for_url(f"{base}/cart/")
    page.click("#go-checkout")
    page.wait_for_url(re.compile(r"/login/\?next=/checkout/"))
    page.fill("input[name=phone]", phone)
    page.click("#send-code")
    page.fill("input[name=code]", _read_demo_code(page))
    submit = page.locator("#login-submit")
    if submit.count() == 0:
        submit = page.locator("form:has(input[name=code]) button[type=submit]:not(#send-code)")
    submit.first.click()
    page.wait_for_url(f"{base}/checkout/")
    form = page.locator("#identity-form")
    form.locator("input[name=name]").fill(name)
    form.locator("input[name=id_number]").fill(id_number)
    form.locator("input[name=phone]").fill(phone)
    page.click("#save-identity")
    page.wait_for_load_state("load")
    form = page.locator("#address-form")
    form.locator("input[name=consignee]").fill(name)
    form.locator("input[name=phone]").fill(phone)
    form.locator("select[data-level=province]").select_option(label="浙江省")
    form.locator("select[data-level=city]").select_option(label="杭州市")
    form.locator("select[data-level=district]").select_option(label="西湖区")
    assert form.locator("input[name=district_code]").input_value() == "330106"
    form.locator("input[name=detail]").fill("文三路 100 号 2 单元 202")
    page.click("#save-address")
    page.wait_for_load_state("load")
    shot(f"{prefix}-checkout")
    page.click("#place-order")
    page.wait_for_url(re.compile(r"/paysim/"))
    page.click("#sim-pay-confirm")
    page.wait_for_url(re.compile(r"/orders/\?checkout="))
    state = page.locator("[data-testid=order-state]").first
    for _ in range(10):
        if state.inner_text().strip() == "已付款":
            break
        page.wait_for_timeout(300)
        page.reload()
    assert state.inner_text().strip() == "已付款"
    shot(f"{prefix}-paid")
    number = page.locator("a.order-card").first.get_attribute("href") or ""
    return number.rstrip("/").rsplit("/", 1)[-1]


def _yuan(amount: Decimal) -> str:
    return f"¥{amount:,.2f}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_leader_flow(server, browser_page, shot, settings):
    from shequn.accounts.models import User
    from shequn.commission import selectors as money
    from shequn.commission import services as commission
    from shequn.commission.models import CommissionLine, Withdrawal
    from shequn.core import clock, outbox
    from shequn.demo import seeding as demo
    from shequn.distribution import posters
    from shequn.distribution.models import LeaderProfile
    from shequn.orders import returns
    from shequn.orders import services as order_services
    from shequn.orders.models import Order
    from shequn.shops.models import Listing

    data = demo.seed()
    serum = data.skus["SB-SERUM-30"]
    commission.create_plan(data.operator, scope="default", kind="rate", rate="0.10")
    page, base = browser_page, server.url

    # 1. A signed-in member applies to become a leader (free, no purchase).
    member = User.objects.create_user("xiaomei", password="member-pass-2026",
                                      display_name="小美")
    _login_as(page, base, member)
    page.goto(f"{base}/apply/")
    form = page.locator("#apply-form")
    form.locator("input[name=real_name]").fill("陈小美")
    form.locator("input[name=phone]").fill(MEMBER_PHONE)
    form.locator("input[name=region]").fill("浙江省杭州市")
    form.locator("input[name=reason]").fill("想给宝妈群分享进口好物")
    shot("l01-apply")
    page.click("#apply-submit")
    page.wait_for_url(f"{base}/apply/")
    assert page.locator("[data-testid=apply-status]").inner_text().startswith("待审核")
    shot("l02-applied")
    profile = LeaderProfile.objects.get(user=member)

    # 2. The operator approves with a reason.
    _login_as(page, base, data.operator)
    page.goto(f"{base}/ops/leaders/")
    card = page.locator(f"#leader-{profile.pk}")
    card.locator(".c-action-approve input[name=reason]").fill("资料齐全，同意")
    card.locator(".c-action-approve button").click()
    page.locator(f"#leader-{profile.pk}[data-status=approved]").wait_for()
    shot("l03-ops-approved")
    profile.refresh_from_db()
    assert profile.status == "approved" and profile.shop is not None

    # 3. The new leader lists the serum and opens its share poster.
    _login_as(page, base, member)
    page.goto(f"{base}/leader/products/")
    row = page.locator(f"#product-{serum.product_id}")
    assert "10%" in row.inner_text()
    row.locator("button[type=submit]").click()
    page.locator(f"#product-{serum.product_id}[data-listed='1']").wait_for()
    shot("l04-leader-products")
    listing = Listing.objects.get(shop=profile.shop, product=serum.product)
    page.goto(f"{base}/leader/share/")
    poster_href = page.locator(f"#listing-{listing.pk} [data-testid=poster-link]").get_attribute(
        "href")
    shot("l05-leader-share")
    png = page.request.get(f"{base}{poster_href}")
    assert png.ok and png.headers["content-type"] == "image/png"
    assert Image.open(io.BytesIO(png.body())).size == (750, 1334)
    page.goto(f"{base}{poster_href}")
    shot("l06-poster")

    # 4. A buyer scans the poster (its QR holds this link) and buys.
    link = f"{base}{posters.poster_path(profile.shop, listing)}"
    page.context.clear_cookies()
    page.goto(link)
    page.wait_for_url(re.compile(rf"/p/{serum.product_id}/"))
    phone, id_number, name = BUYERS[0]
    number = _buy_from_product_page(page, base, phone, id_number, name, shot, "l07-buyer")
    outbox.drain()
    order = Order.objects.get(number=number)
    assert (order.leader_id, order.attribution_channel) == (member.pk, "poster")
    line = CommissionLine.objects.get(order=order)
    assert line.state == "pending" and line.amount > 0

    # 5. The leader sees the pending commission.
    _login_as(page, base, member)
    page.goto(f"{base}/leader/")
    assert page.locator("[data-testid=pending-today]").inner_text() == _yuan(line.amount)
    assert page.locator("[data-testid=orders-today]").inner_text() == "1"
    page.wait_for_load_state("networkidle")
    shot("l08-leader-dashboard-pending")

    # 6. Customs releases it (what the customs receipt 800 does), shipped, delivered;
    # the clock passes the after-sales window; the order completes and the operator
    # runs settlement.
    order_services.mark_cleared(order.pk, note="海关放行 released (test)")
    order_services.mark_shipped(order.pk, data.operator)
    order_services.mark_delivered(order.pk, data.operator)
    clock.advance(dt.timedelta(days=int(settings.SHEQUN.get("AFTER_SALES_DAYS", 7)) + 1))
    assert returns.complete_due() == 1  # the orders domain's periodic job
    _login_as(page, base, data.operator)
    page.goto(f"{base}/ops/settlement/")
    assert page.locator("[data-testid=due-lines]").inner_text() == "1"
    page.click("#run-settlement")
    page.wait_for_url(f"{base}/ops/settlement/")
    shot("l09-ops-settled")
    line.refresh_from_db()
    assert line.state == "settled"

    # 7. The leader withdraws (a too large amount first: the error shows inline).
    _login_as(page, base, member)
    page.goto(f"{base}/leader/earnings/")
    assert page.locator("[data-testid=balance-available]").inner_text() == _yuan(line.amount)
    page.fill("#withdraw-form input[name=amount]", "99999")
    page.click("#withdraw-submit")
    page.locator("#withdraw-card [data-code=insufficient_balance]").wait_for()
    shot("l10-withdraw-error")
    amount = min(line.amount, Decimal("20.00"))
    page.fill("#withdraw-form input[name=amount]", f"{amount}")
    page.click("#withdraw-submit")
    page.locator("#withdraw-card .c-ok").wait_for()
    assert page.locator("[data-testid=balance-frozen]").inner_text() == _yuan(amount)
    shot("l11-withdraw-requested")
    w = Withdrawal.objects.get(leader=member)

    # 8. The operator approves and sends the payout.
    _login_as(page, base, data.operator)
    page.goto(f"{base}/ops/withdrawals/")
    page.locator(f"#wd-{w.pk} button[data-action=approve]").click()
    page.locator(f"#wd-{w.pk}[data-state=approved]").wait_for()
    shot("l12-ops-withdrawal-approved")
    page.click("#run-payouts")
    page.wait_for_url(re.compile(r"/ops/withdrawals/"))
    w.refresh_from_db()
    assert w.state == "paid"
    _login_as(page, base, member)
    page.goto(f"{base}/leader/earnings/")
    assert page.locator("[data-testid=balance-paid]").inner_text() == _yuan(w.net)
    shot("l13-leader-paid")

    # 9. Second run: another buyer buys through the poster; customs holds it for
    # review; the operator cancels the declaration on the customs console (CEB623);
    # customs approves, the payment is refunded and the leader sees the commission
    # reversed. (An order declared to customs is refunded only this way.)
    from shequn.customs import gateway
    from tests.builders import run_events

    settings.SHEQUN = {**settings.SHEQUN,
                       "CUSTOMS_SIM": {"review_rate": 1.0, "review_delay": 3600.0}}
    gateway.reset_embedded()
    page.context.clear_cookies()
    page.goto(link)
    page.wait_for_url(re.compile(rf"/p/{serum.product_id}/"))
    phone, id_number, name = BUYERS[1]
    number2 = _buy_from_product_page(page, base, phone, id_number, name, shot, "l14-buyer2")
    run_events()
    line2 = CommissionLine.objects.get(order__number=number2)
    assert line2.state == "pending"
    _login_as(page, base, data.operator)
    page.goto(f"{base}/ops/customs/{number2}/")
    page.fill("form.c-inline-form input[name=reason]", "顾客取消")
    page.click("[data-testid=cancel-declaration]")
    page.wait_for_load_state("load")
    shot("l14b-ops-customs-cancel")
    run_events()
    assert Order.objects.get(number=number2).state == "refunded"
    line2.refresh_from_db()
    assert line2.state == "reversed" and line2.reversed_amount == line2.amount
    _login_as(page, base, member)
    page.goto(f"{base}/leader/earnings/")
    reversed_row = page.locator("[data-testid=commission-lines] tr[data-state=reversed]")
    assert reversed_row.count() == 1 and number2 in reversed_row.inner_text()
    assert page.locator("[data-testid=balance-pending]").inner_text() == "¥0.00"
    shot("l15-leader-reversed")
    b = money.balances(member)
    assert (b.pending, b.available, b.paid) == (Decimal("0.00"), line.amount - amount, w.net)

    # 10. Operators see the poster channel's funnel: 2 visits, 1 sale left after the refund.
    _login_as(page, base, data.operator)
    page.goto(f"{base}/ops/fission/")
    poster = page.locator("[data-testid=funnel-channel] tr[data-key=poster] td")
    assert [poster.nth(i).inner_text() for i in (2, 4)] == ["2", "1"]
    page.wait_for_load_state("networkidle")
    shot("l16-ops-fission")

