"""The ops console on a desktop has a side navigation; on a phone it keeps the
bottom tab bar (issue 9, "Operator")."""

from __future__ import annotations

import pytest


def _signed_in_as_operator(page, server) -> None:
    from django.conf import settings
    from django.test import Client

    from shequn.demo import seeding as demo

    client = Client()
    client.force_login(demo.seed().operator)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": server.url,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_side_navigation_on_wide_screens_and_tab_bar_on_phones(server, browser_page, shot):
    page = browser_page
    _signed_in_as_operator(page, server)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(server.url + "/ops/")
    nav = page.locator("nav.c-tabbar").bounding_box()
    content = page.locator("main.content").bounding_box()
    assert nav and content
    assert nav["x"] + nav["width"] <= content["x"] + 1  # beside the pages, on the left
    assert nav["height"] > nav["width"]                 # a column of links
    assert content["width"] > 800                        # the pages use the width
    shot("ops-dashboard-wide")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(server.url + "/ops/")
    nav = page.locator("nav.c-tabbar").bounding_box()
    assert nav
    assert nav["y"] + nav["height"] >= 844 - 1  # at the bottom of the screen
    assert nav["width"] >= 380                  # a row of tabs across it
    shot("ops-dashboard-phone")


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_release_chart_shows_a_single_day(server, browser_page, shot):
    """One day of releases among fourteen is a point between empty days: the line
    series draw their symbols, or the chart looks empty (issue 9)."""
    from tests.customs.test_console import declared, push

    page = browser_page
    _signed_in_as_operator(page, server)
    push(declared(), "120", "800")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(server.url + "/ops/customs/")
    page.locator("#release-chart canvas").wait_for()
    page.wait_for_timeout(1500)  # the series' entry animation
    # The pixel where p50's only value lies is painted (not the white card).
    painted = page.evaluate("""() => {
        const box = document.getElementById('release-chart');
        const chart = window.echarts.getInstanceByDom(box);
        const data = chart.getOption().series[0].data;
        const i = data.findIndex(v => v != null);
        const [x, y] = chart.convertToPixel({seriesIndex: 0}, [i, data[i]]);
        const canvas = box.querySelector('canvas');
        const ratio = canvas.width / canvas.clientWidth;
        const [r, g, b] = canvas.getContext('2d').getImageData(
            Math.round(x * ratio), Math.round(y * ratio), 1, 1).data;
        return [data.filter(v => v != null).length, r, g, b];
    }""")
    count, r, g, b = painted
    assert count == 1
    assert (r, g, b) != (255, 255, 255) and min(r, g, b) < 230, painted
    assert page.locator("#release-table").is_hidden()
    shot("ops-customs-one-day")
