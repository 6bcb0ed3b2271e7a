"""Buyer asks for a return on the order page; the operator approves it on the
ops order page; the money goes back and the order page shows it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings as settings_module
from django.contrib.auth.models import Group

from shequn.orders import services
from shequn.orders.models import AfterSale
from tests.builders import (
    make_buyer,
    make_sku,
    make_stock,
    make_warehouse,
    place_paid_order,
    run_events,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(django_user_model):
    user = django_user_model.objects.create(username="op-returns")
    user.groups.add(Group.objects.get_or_create(name="operator")[0])
    return user


def test_return_request_and_approval_through_the_pages(client, operator):
    buyer = make_buyer()
    sku = make_sku(price="88.00")
    make_stock(make_warehouse(), sku, 10)
    order = place_paid_order(buyer, sku, qty=2)
    services.mark_cleared(order.pk)
    services.mark_shipped(order.pk, operator)
    services.mark_delivered(order.pk, operator)
    line = order.lines.get()

    client.force_login(buyer)
    page = client.get(f"/orders/{order.number}/")
    assert "申请退货" in page.content.decode()
    form = client.get(f"/orders/{order.number}/return/").content.decode()
    assert "CEB625" not in form and 'value="2" selected' in form  # all units by default
    assert 'name="reason_code"' in form and 'type="file"' in form
    bad = client.post(f"/orders/{order.number}/return/", {f"line_{line.pk}": "1",
                                                          f"qty_{line.pk}": "5",
                                                          "reason_code": "quality"})
    assert bad.status_code == 422 and 'data-code="bad_return_lines"' in bad.content.decode()
    none = client.post(f"/orders/{order.number}/return/", {f"qty_{line.pk}": "1",
                                                           "reason_code": "quality"})
    assert none.status_code == 422 and 'data-code="no_return_lines"' in none.content.decode()
    other = client.post(f"/orders/{order.number}/return/", {f"line_{line.pk}": "1",
                                                            f"qty_{line.pk}": "1",
                                                            "reason_code": "other"})
    assert other.status_code == 422 and 'data-code="bad_return_reason"' in other.content.decode()
    assert not AfterSale.objects.exists()
    ok = client.post(f"/orders/{order.number}/return/",
                     {f"line_{line.pk}": "1", f"qty_{line.pk}": "1", "reason_code": "other",
                      "reason": "<script>alert(1)</script>"})
    assert ok.status_code == 302
    after_sale = AfterSale.objects.get()

    client.force_login(operator)
    detail = client.get(f"/ops/orders/{order.number}/").content.decode()
    assert f"return-approve-{after_sale.pk}" in detail
    assert "<script>alert(1)</script>" not in detail  # escaped
    client.post(f"/ops/orders/{order.number}/return-approve/", {"after_sale": after_sale.pk})
    run_events()
    after_sale.refresh_from_db()
    assert after_sale.state == AfterSale.State.REFUNDED

    client.force_login(buyer)
    page = client.get(f"/orders/{order.number}/").content.decode()
    assert "已退款" in page


def test_buyer_cannot_open_someone_elses_return_page(client, operator):
    owner, other = make_buyer(), make_buyer()
    sku = make_sku(price="10.00")
    make_stock(make_warehouse(), sku, 5)
    order = place_paid_order(owner, sku)
    client.force_login(other)
    assert client.get(f"/orders/{order.number}/return/").status_code == 404


def _photo_bytes() -> bytes:
    import io

    from PIL import Image
    buf = io.BytesIO()
    Image.new("RGB", (640, 480), (30, 60, 200)).save(buf, "PNG")
    return buf.getvalue()


def test_return_with_photos_seen_only_by_its_buyer(client, operator, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    buyer, stranger = make_buyer(), make_buyer()
    sku = make_sku(price="20.00")
    make_stock(make_warehouse(), sku, 5)
    order = place_paid_order(buyer, sku)
    services.mark_cleared(order.pk)
    services.mark_shipped(order.pk, operator)
    services.mark_delivered(order.pk, operator)
    line = order.lines.get()
    client.force_login(buyer)
    bad = client.post(f"/orders/{order.number}/return/", {
        f"line_{line.pk}": "1", f"qty_{line.pk}": "1", "reason_code": "damaged",
        "photos": [SimpleUploadedFile("x.png", b"<svg/>", "image/png")]})
    assert bad.status_code == 422 and 'data-code="bad_return_photo"' in bad.content.decode()
    ok = client.post(f"/orders/{order.number}/return/", {
        f"line_{line.pk}": "1", f"qty_{line.pk}": "1", "reason_code": "damaged",
        "photos": [SimpleUploadedFile("a.png", _photo_bytes(), "image/png"),
                   SimpleUploadedFile("b.png", _photo_bytes(), "image/png")]})
    assert ok.status_code == 302
    after_sale = AfterSale.objects.get()
    assert after_sale.photos.count() == 2
    photo = after_sale.photos.first()
    page = client.get(f"/orders/{order.number}/return/").content.decode()
    thumb = f"/orders/{order.number}/return/photos/{photo.pk}/thumb.jpg"
    assert thumb in page and 'data-testid="not-returnable"' in page
    got = client.get(thumb)
    assert got.status_code == 200 and got["Content-Type"] == "image/jpeg"
    client.force_login(stranger)
    assert client.get(thumb).status_code == 404


def _delivered(buyer, operator, price: str = "88.00", qty: int = 2):  # type: ignore[no-untyped-def]
    sku = make_sku(price=price)
    make_stock(make_warehouse(), sku, 10)
    order = place_paid_order(buyer, sku, qty=qty)
    services.mark_cleared(order.pk)
    services.mark_shipped(order.pk, operator)
    services.mark_delivered(order.pk, operator)
    return order


def test_other_without_a_description_is_shown_in_red_by_the_field(client, operator):
    """The error of 其他 without text sits by the description, red (field-error) and
    announced (role="alert"), not as grey text under the intro; the form keeps what
    was chosen, and its controls carry the store's form classes (defect 5)."""
    buyer = make_buyer()
    order = _delivered(buyer, operator)
    line = order.lines.get()
    client.force_login(buyer)
    html = client.post(f"/orders/{order.number}/return/", {
        f"line_{line.pk}": "1", f"qty_{line.pk}": "1", "reason_code": "other"}).content.decode()
    intro_end = html.index('<form method="post" id="return-form"')
    assert 'data-code="bad_return_reason"' not in html[:intro_end]
    field = html[html.index('<label class="field has-error" for="reason">'):]
    field = field[:field.index("</label>")]
    assert '<textarea name="reason" id="reason"' in field and 'aria-invalid="true"' in field
    assert ('<span class="field-error" id="reason-error" role="alert" '
            'data-code="bad_return_reason">') in field
    assert 'value="other" required checked' in html
    assert '<option value="1" selected>' in html  # the quantity chosen, not all again
    assert 'class="select"' in html and 'class="chip-choice"' in html
    assert 'class="btn btn-primary btn-block" type="submit" id="return-submit"' in html
    none = client.post(f"/orders/{order.number}/return/", {"reason_code": "quality"})
    lines = none.content.decode()
    lines = lines[lines.index('<fieldset class="return-lines has-error">'):]
    assert 'role="alert" data-code="no_return_lines"' in lines[:lines.index("</fieldset>")]


def test_a_long_unbroken_reason_wraps_inside_its_row(client, operator):
    """A reason of one long Latin run wraps in its row; the state and amount keep
    their place, the page does not scroll sideways at 390 px (defect 4)."""
    buyer = make_buyer()
    order = _delivered(buyer, operator)
    line = order.lines.get()
    long_word = "x" * 150
    from shequn.orders import returns

    returns.request_return(buyer, order.pk, [(line.pk, 1)], long_word)
    client.force_login(buyer)
    html = client.get(f"/orders/{order.number}/return/").content.decode()
    row = html[html.index('data-testid="return-request"'):]
    assert long_word in row[:row.index("</div>")]
    assert '<div class="row request-row" data-testid="return-request">' in html
    css = (Path(settings_module.BASE_DIR) / "web" / "static" / "css" / "site.css").read_text()
    rule = re.search(r"\.request-row > span:first-child \{([^}]*)\}", css)
    assert rule and "min-width: 0" in rule.group(1) and "overflow-wrap: anywhere" in rule.group(1)
    assert re.search(r"\.request-row > span:last-child \{[^}]*flex: none", css)
