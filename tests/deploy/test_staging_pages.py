"""What staging changes in pages and endpoints: codes never in responses, the
simulators' pages for staff only (absent in production), the banner."""

from __future__ import annotations

import datetime
import importlib
import re

import pytest
from django.test import Client
from django.urls import clear_url_caches
from django.utils import timezone

from shequn.accounts.roles import OPERATOR
from shequn.accounts.sms import SimulatedSms
from tests.builders import make_user, phone

pytestmark = pytest.mark.django_db
BANNER = "模拟环境"


@pytest.fixture
def staging(settings):
    settings.SHEQUN_ENV = "staging"
    settings.SHEQUN = {**settings.SHEQUN, "SIMULATED_PORTS": ["SMS", "payment"]}
    return settings


def _reload_urls(settings, mounted: bool) -> None:
    settings.SHEQUN = {**settings.SHEQUN, "SIMULATORS_MOUNTED": mounted}
    import shequn.urls
    import shequn.web.urls

    importlib.reload(shequn.web.urls)
    importlib.reload(shequn.urls)
    clear_url_caches()


@pytest.fixture
def production_urls(settings):
    settings.SHEQUN_ENV = "production"
    _reload_urls(settings, False)
    yield
    _reload_urls(settings, True)


def test_otp_code_is_not_in_the_api_response_outside_demo(staging):
    p = phone(801)
    r = Client().post("/api/v1/auth/otp/request", {"phone": p},
                      content_type="application/json")
    assert r.status_code == 202
    code = SimulatedSms.last_code(p)
    assert code and code not in r.content.decode()
    assert r.json().get("demo_code") is None


def test_otp_code_is_not_on_the_sign_in_page_outside_demo(staging):
    p = phone(802)
    r = Client().post("/login/code/", {"phone": p}, HTTP_HX_REQUEST="true")
    assert r.status_code == 200
    code = SimulatedSms.last_code(p)
    assert code and code not in r.content.decode()


def test_demo_still_shows_the_code(settings):
    assert settings.SHEQUN_ENV == "demo"
    p = phone(803)
    r = Client().post("/api/v1/auth/otp/request", {"phone": p},
                      content_type="application/json")
    assert r.json()["demo_code"] == SimulatedSms.last_code(p)


def test_sms_inbox_is_for_staff_in_staging(staging):
    p = phone(804)
    Client().post("/api/v1/auth/otp/request", {"phone": p}, content_type="application/json")
    code = SimulatedSms.last_code(p)

    anon = Client()
    r = anon.get("/sim/sms/")
    assert r.status_code == 302 and r["Location"].startswith("/login/")

    buyer = Client()
    buyer.force_login(make_user())
    assert buyer.get("/sim/sms/").status_code == 403
    assert buyer.post("/sim/sms/", {"phone": p}).status_code == 403

    staff = Client()
    staff.force_login(make_user(role_names=(OPERATOR,)))
    listing = staff.get("/sim/sms/").content.decode()
    assert p not in listing and "139****0804" in listing  # masked in the listing
    # Sent-at in the site's time zone, to the second: not the cache's ISO text
    # in UTC, whose microseconds read as one more six-digit code.
    sent = SimulatedSms.inbox()[0]["at"]
    shown = timezone.localtime(datetime.datetime.fromisoformat(sent))
    assert shown.strftime("%Y-%m-%d %H:%M:%S") in listing
    assert sent not in listing
    found = staff.post("/sim/sms/", {"phone": p}).content.decode()
    assert re.search(rf'id="sim-sms-code">{code}<', found)


def test_payment_simulator_is_for_staff_in_staging(staging):
    url = "/paysim/9b2f6c1e-0a51-4d8e-9a53-3f1e1c9d2a10/"
    buyer = Client()
    buyer.force_login(make_user())
    assert buyer.get(url).status_code == 403
    assert buyer.post(url).status_code == 403
    staff = Client()
    staff.force_login(make_user(is_staff=True))
    assert staff.get(url).status_code == 200


def test_staff_confirm_a_buyers_payment_on_the_simulator_in_staging(staging):
    """Staging's payment simulator is staff-only, so staff play the provider for
    the buyer's checkout (it listed only the staff member's own payments: no
    order could be paid through the pages). The buyer is told what to do."""
    from shequn.payments import services as payment_services
    from tests.builders.buying import make_buyer_with_identity, place_order_for
    from tests.builders.catalog import make_buyable

    buyer = make_buyer_with_identity()
    order = place_order_for(buyer.user, make_buyable())
    payment_services.start_payment(order.user, order.checkout_id)
    url = f"/paysim/{order.checkout_id}/"

    owner = Client()
    owner.force_login(buyer.user)
    refused = owner.get(url)
    assert refused.status_code == 403
    assert 'id="paysim-for-staff"' in refused.content.decode()
    assert owner.post(url).status_code == 403
    order.refresh_from_db()
    assert order.state == "pending_payment"

    staff = Client()
    staff.force_login(make_user(role_names=(OPERATOR,)))
    page = staff.get(url).content.decode()
    assert order.number in page and 'id="sim-pay-confirm"' in page
    done = staff.post(url)
    assert done.status_code == 302 and done["Location"].startswith(url)
    order.refresh_from_db()
    assert order.state == "paid"
    assert 'id="sim-paid"' in staff.get(done["Location"]).content.decode()


def test_simulator_pages_are_not_mounted_in_production(production_urls):
    staff = Client()
    staff.force_login(make_user(is_staff=True))
    for url in ("/sim/sms/", "/paysim/9b2f6c1e-0a51-4d8e-9a53-3f1e1c9d2a10/"):
        assert staff.get(url).status_code == 404, url


def test_banner_on_every_kind_of_page_in_staging(staging):
    ops = Client()
    ops.force_login(make_user(role_names=(OPERATOR,)))
    for client, url in [(Client(), "/login/"), (Client(), "/admin/login/"),
                        (ops, "/ops/"), (Client(), "/cart/")]:
        r = client.get(url)
        assert r.status_code == 200, url
        assert BANNER in r.content.decode(), url


def test_no_banner_in_demo_or_without_simulators(settings):
    assert BANNER not in Client().get("/login/").content.decode()
    settings.SHEQUN_ENV = "staging"
    settings.SHEQUN = {**settings.SHEQUN, "SIMULATED_PORTS": []}
    assert BANNER not in Client().get("/login/").content.decode()
