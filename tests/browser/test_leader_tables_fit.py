"""Leader pages fit a phone (issue 9: the 30-day column and the commission status were
cut off): at 360 px no table is wider than its card and the page does not scroll
sideways, in Chinese and in English; an order number is never broken over two lines.
Screenshots: test-artifacts/browser/fit-*.png."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tests.browser.test_leader_flow import _login_as

PAGES = ("leader:home", "leader:customers", "leader:earnings", "leader:orders", "leader:team",
         "leader:products", "leader:share")

# Each table's overflow beyond the box it sits in, and the page's own sideways scroll.
OVERFLOW = """() => {
  const out = [];
  for (const t of document.querySelectorAll("table")) {
    if (!t.offsetParent) continue;  // hidden (the series table once the chart draws)
    const box = t.parentElement.getBoundingClientRect();
    const over = t.getBoundingClientRect().width - box.width;
    if (over > 1) out.push((t.dataset.testid || t.className) + " +" + Math.round(over) + "px");
  }
  const page = document.documentElement.scrollWidth - window.innerWidth;
  if (page > 1) out.push("page +" + page + "px");
  return out;
}"""

# Order numbers (17 digits) and amounts (¥2,400.00) in a table drawn on more than one line.
WRAPPED_NUMBERS = """() => [...document.querySelectorAll("table .mono, table .l-amount")]
  .filter(e => /^(\\d{17}|−?¥[\\d,.]+)$/.test(e.textContent.trim())
               && e.getClientRects().length > 1)
  .map(e => e.textContent.trim())"""


def _leader_with_everything() -> Any:
    from shequn.commission import services as commission
    from shequn.distribution import binding as network
    from tests.builders import Net, complete, make_buyer

    net = Net()
    leader = net.leader(real_name="欧阳团长")
    net.leader(inviter=leader, real_name="司马小明")
    listing = net.listing(leader)
    net.visit(leader, listing)
    buyer = make_buyer()
    buyer.display_name = "诸葛大海"
    buyer.save()
    network.touch(buyer=buyer, leader=leader.user, channel="code")
    for qty in (3, 12):
        complete(net.sale(leader, listing, qty=qty, buyer=buyer))
    net.sale(leader, listing, qty=25)  # pending, a large amount
    commission.settle_due()
    commission.request_withdrawal(leader.user, "12.34")
    return leader.user


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_leader_tables_fit_a_phone(server, browser_page, shot, language):
    page = browser_page
    page.set_viewport_size({"width": 360, "height": 780})
    user = _leader_with_everything()
    _login_as(page, server.url, user)
    page.context.add_cookies([{"name": "django_language", "value": language,
                               "url": server.url}])
    found = {}
    for name in PAGES:
        page.goto(server.url + reverse(name))
        page.wait_for_load_state("networkidle")
        over = page.evaluate(OVERFLOW) + page.evaluate(WRAPPED_NUMBERS)
        if over:
            found[name] = over
        shot(f"fit-{language}-{name.split(':')[1]}")
    assert not found, found


# The dashboard's two charts as drawn: titled, and the second one (its title and
# unit) clear of the first one's date labels.
CHARTS = """() => {
  const [trend, gmv] = ["trend-chart", "gmv-chart"].map(id => document.getElementById(id));
  const title = el => (echarts.getInstanceByDom(el).getOption().title || [{}])[0].text || "";
  return {titles: [title(trend), title(gmv)],
          gap: gmv.getBoundingClientRect().top - trend.getBoundingClientRect().bottom,
          series: echarts.getInstanceByDom(trend).getOption().series.map(
            s => [s.symbol, s.lineStyle.type, !!s.areaStyle])};
}"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_dashboard_charts_are_titled_and_apart(server, browser_page, shot):
    page = browser_page
    _login_as(page, server.url, _leader_with_everything())
    page.goto(server.url + reverse("leader:home"))
    page.wait_for_load_state("networkidle")
    drawn = page.evaluate(CHARTS)
    shot("dashboard-charts")
    assert all(drawn["titles"]), drawn
    assert drawn["gap"] >= 12, drawn
    visits, orders = drawn["series"]
    assert visits != orders, drawn
