import pytest

@pytest.mark.django_db(transaction=True)
def test_desktop(server, browser_page):
    from shequn.core.demo import seed
    data = seed()
    browser_page.set_viewport_size({"width": 1280, "height": 800})
    browser_page.goto(f"{server.url}/s/{data.shop.slug}/p/{data.skus['KH-MANUKA-500'].product_id}/")
    browser_page.screenshot(path="/tmp/desktop.png")
