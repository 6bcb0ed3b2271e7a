"""A console's tab bar on a phone: when its tabs do not fit, it scrolls sideways,
a shadow at each end says more tabs are that way, and a page opens with its own
tab in view (the brand console in English: seven tabs wider than a phone).
Screenshots: test-artifacts/browser/phone-en-brand-tabs-*.png."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.urls import reverse

from tests.browser.conftest import ARTIFACTS
from tests.browser.test_leader_flow import _login_as

PHONE = {"width": 390, "height": 844}

# The bar's overflow, its scroll position and where the current tab is in it.
STATE = """() => {
  const bar = document.querySelector(".c-tabbar");
  const tab = bar.querySelector(".tab.is-active").getBoundingClientRect();
  const box = bar.getBoundingClientRect();
  return {overflow: bar.scrollWidth - bar.clientWidth, left: bar.scrollLeft,
          inView: tab.left >= box.left - 1 && tab.right <= box.right + 1};
}"""


def _edges(page: Any) -> tuple[float, float]:
    """How dark the bar's two ends are (0 white .. 255 black), above the labels:
    the darkest pixel of the three outermost columns, top quarter of the bar."""
    from PIL import Image

    shot = Image.open(io.BytesIO(page.locator(".c-tabbar").screenshot())).convert("L")
    width, height = shot.size
    rows = range(2, max(3, height // 4))

    def dark(columns: range) -> float:
        return float(255 - min(shot.getpixel((x, y)) for x in columns for y in rows))

    return dark(range(0, 3)), dark(range(width - 3, width))


def _brand_admin() -> Any:
    from shequn.brands.selectors import staff_of
    from shequn.demo import seeding as demo

    return staff_of(demo.seed().brands["koala"])[0]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_tabs_that_do_not_fit_scroll_show_shadows_and_the_current_tab(server, browser_page):
    page = browser_page
    _login_as(page, server.url, _brand_admin())
    page.context.add_cookies([{"name": "django_language", "value": "en", "url": server.url}])
    page.set_viewport_size(PHONE)

    # The first tab's page: the bar starts at its left end.
    page.goto(server.url + reverse("brand:home"))
    page.wait_for_load_state("networkidle")
    start = page.evaluate(STATE)
    assert start["overflow"] > 20, start  # seven English tabs do not fit 390 px
    assert start["left"] == 0 and start["inView"], start
    left, right = _edges(page)
    page.locator(".c-tabbar").screenshot(path=str(ARTIFACTS / "phone-en-brand-tabs-start.png"))
    assert right > left + 8, (left, right)  # more tabs to the right, none to the left

    # The last tab's page opens with its own tab in view, the bar scrolled to it.
    page.goto(server.url + "/brand/team/")
    page.wait_for_load_state("networkidle")
    end = page.evaluate(STATE)
    assert end["inView"] and end["left"] > 0, end
    page.evaluate("() => { const b = document.querySelector('.c-tabbar');"
                  " b.scrollLeft = b.scrollWidth; }")
    left, right = _edges(page)
    page.locator(".c-tabbar").screenshot(path=str(ARTIFACTS / "phone-en-brand-tabs-end.png"))
    assert left > right + 8, (left, right)  # now the hidden tabs are to the left
