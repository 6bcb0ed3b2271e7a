"""Pages the journeys do not visit pass the Content-Security-Policy too: the
Django admin, the API docs and the staging simulator pages (the browser_page
fixture fails on any console error, CSP violations included)."""

from __future__ import annotations

import pytest


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_admin_and_api_docs_pass_the_csp(server, browser_page, shot):
    from shequn.accounts.models import User

    User.objects.create_superuser("csp-admin", password="csp-admin-password-1")
    page = browser_page
    page.goto(server.url + "/admin/login/")
    page.fill("#id_username", "csp-admin")
    page.fill("#id_password", "csp-admin-password-1")
    page.click("input[type=submit]")
    page.wait_for_url(server.url + "/admin/")
    for path in ("/admin/accounts/user/", "/admin/accounts/user/add/", "/admin/orders/order/"):
        page.goto(server.url + path)
        assert page.locator("#content").count() == 1, path
    page.goto(server.url + "/api/docs")
    page.locator(".swagger-ui .info").first.wait_for(state="visible")
    shot("csp-api-docs")
