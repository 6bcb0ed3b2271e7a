"""The brand's codes pages: a batch generated from the form (job + progress),
its CSV and label sheets; another brand gets 404."""

from __future__ import annotations

import csv
import io

import pytest

from shequn.core import outbox
from shequn.trace import gs1
from shequn.trace.models import CodeBatch, UnitCode
from tests.builders.catalog import make_gtin, make_product, make_sku
from tests.builders.console import make_brand

pytestmark = pytest.mark.django_db


def test_brand_generates_codes_and_downloads_them(client):
    brand, other = make_brand(), make_brand()
    sku = make_sku(product=make_product(brand=brand.org), gtin=make_gtin())
    client.force_login(brand.staff)
    resp = client.post("/brand/codes/", {"sku": sku.pk, "lot": "L2701", "expiry": "2028-01-31",
                                         "quantity": "30", "per_carton": "12"})
    assert resp.status_code == 302
    batch = CodeBatch.objects.get()
    page = client.get(resp["Location"]).content.decode()
    assert 'id="codes-progress"' in page
    outbox.drain()
    batch.refresh_from_db()
    assert batch.state == "done" and UnitCode.objects.filter(batch=batch).count() == 30
    assert batch.cartons.count() == 3
    body = b"".join(client.get(f"/brand/codes/{batch.pk}/codes.csv").streaming_content)
    rows = list(csv.reader(io.StringIO(body.decode())))
    assert len(rows) == 31 and rows[0][0] == "serial"
    scan = gs1.read(rows[1][4])
    assert (scan.gtin, scan.lot, scan.serial) == (gs1.gtin14(sku.gtin), "L2701", rows[1][0])
    pdf = client.get(f"/brand/codes/{batch.pk}/labels.pdf?first=0&count=24")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    cartons = client.get(f"/brand/codes/{batch.pk}/cartons.pdf")
    assert cartons.status_code == 200 and cartons.content.count(b"/Type /Page\n") >= 1
    client.force_login(other.staff)
    for path in (f"/brand/codes/{batch.pk}/", f"/brand/codes/{batch.pk}/codes.csv",
                 f"/brand/codes/{batch.pk}/labels.pdf", f"/brand/codes/{batch.pk}/cartons.pdf"):
        assert client.get(path).status_code == 404, path


@pytest.mark.parametrize("data", [
    {"quantity": "0"}, {"quantity": "1000001"}, {"quantity": "abc"},
    {"lot": "bad lot/x"}, {"expiry": "2028-13-01"}, {"per_carton": "-1"},
    {"expiry": "2020-01-01"},  # goods already expired get no codes
])
def test_bad_batches_are_refused_and_nothing_is_stored(client, data):
    brand = make_brand()
    sku = make_sku(product=make_product(brand=brand.org), gtin=make_gtin())
    client.force_login(brand.staff)
    form = {"sku": sku.pk, "lot": "L1", "quantity": "5", "per_carton": "0", **data}
    resp = client.post("/brand/codes/", form)
    assert resp.status_code in (400, 409, 422)
    assert CodeBatch.objects.count() == 0


def test_another_brands_sku_is_refused(client):
    brand, other = make_brand(), make_brand()
    sku = make_sku(product=make_product(brand=other.org), gtin=make_gtin())
    client.force_login(brand.staff)
    resp = client.post("/brand/codes/", {"sku": sku.pk, "lot": "L1", "quantity": "5"})
    assert resp.status_code in (403, 404, 422) and CodeBatch.objects.count() == 0


def test_label_sheets_are_offered_file_by_file_or_from_a_label_number(client, monkeypatch):
    from shequn.trace import labels

    monkeypatch.setattr(labels, "MAX_LABELS", 12)  # 30 codes: three files
    brand = make_brand()
    sku = make_sku(product=make_product(brand=brand.org), gtin=make_gtin())
    client.force_login(brand.staff)
    resp = client.post("/brand/codes/", {"sku": sku.pk, "lot": "L2702", "quantity": "30"})
    outbox.drain()
    batch = CodeBatch.objects.get()
    page = client.get(resp["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    import re

    links = re.findall(r'labels\.pdf\?from=(\d+)&amp;count=12"[^>]*>Labels (\d+)–(\d+)</a>', page)
    assert links == [("1", "1", "12"), ("13", "13", "24"), ("25", "25", "30")]
    assert "?first=" not in page and 'data-testid="label-range"' not in page
    third = client.get(f"/brand/codes/{batch.pk}/labels.pdf?from=25&count=12")
    assert third.status_code == 200 and third.content.startswith(b"%PDF")
    assert third["Content-Disposition"].endswith(f'-{batch.lot}-25.pdf"')
    # A batch of a hundred thousand codes (4,167 files of 24 labels here) gets a
    # form asking from which label, not a list of links.
    big = CodeBatch.objects.create(org=brand.org, sku=sku, gtin=batch.gtin, lot="L2703",
                                   quantity=100_000, generated=100_000,
                                   state=CodeBatch.State.DONE)
    page = client.get(f"/brand/codes/{big.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert 'data-testid="label-range"' in page and 'data-testid="label-files"' not in page
    assert 'name="from" min="1" max="100000"' in page and "从第几个标签开始" in page


def test_printed_links_use_the_verify_address_or_the_site_the_demo_runs_on(client, settings):
    brand = make_brand()
    sku = make_sku(product=make_product(brand=brand.org), gtin=make_gtin())
    client.force_login(brand.staff)
    client.post("/brand/codes/", {"sku": sku.pk, "lot": "L2704", "quantity": "2"})
    outbox.drain()
    batch = CodeBatch.objects.get()

    def first_link(**extra) -> str:
        body = b"".join(client.get(f"/brand/codes/{batch.pk}/codes.csv",
                                   **extra).streaming_content)
        return list(csv.reader(io.StringIO(body.decode())))[1][4]

    settings.SHEQUN = {**settings.SHEQUN, "VERIFY_BASE_URL": ""}
    assert first_link(HTTP_HOST="127.0.0.1:8102").startswith("http://127.0.0.1:8102/01/")
    settings.SHEQUN = {**settings.SHEQUN, "VERIFY_BASE_URL": "https://v.example.cn"}
    assert first_link(HTTP_HOST="127.0.0.1:8102").startswith("https://v.example.cn/01/")


def test_label_sheets_out_of_the_batch_are_refused_not_clamped(client):
    """first=-5, a word, or a label past the batch's last used to give some
    other labels' PDF (clamped to 0 or an empty file); now 400 with a code,
    the message in the request's language and in English, and on the batch
    page (a browser's form) the error by the field."""
    brand = make_brand()
    sku = make_sku(product=make_product(brand=brand.org), gtin=make_gtin())
    client.force_login(brand.staff)
    client.post("/brand/codes/", {"sku": sku.pk, "lot": "L2705", "quantity": "30"})
    outbox.drain()
    batch = CodeBatch.objects.get()
    url = f"/brand/codes/{batch.pk}/labels.pdf"
    start_en = ("The first label must be a whole number from 1 to the number of codes "
                "in the batch")
    for query in ("first=-5", "first=abc", "first=30", "first=", "from=0", "from=31",
                  "from=1.5", "first=-5&count=24"):
        resp = client.get(f"{url}?{query}", HTTP_ACCEPT_LANGUAGE="en")
        assert resp.status_code == 400, query
        assert resp["Content-Type"].startswith("application/json")
        body = resp.json()
        assert body["code"] == "trace_bad_label_start", query
        assert body["message"] == body["message_en"] == start_en
        assert body["detail"]["last"] == "30"
    for query in ("first=0&count=0", "from=1&count=abc", "from=1&count=-24"):
        body = client.get(f"{url}?{query}").json()
        assert body["code"] == "trace_bad_label_count", query
    assert client.get(f"{url}?first=29&count=24").content.startswith(b"%PDF")
    assert client.get(f"{url}?from=30").content.startswith(b"%PDF")

    # The big batch's "from label number" form: refused by its field, the number kept.
    big = CodeBatch.objects.create(org=brand.org, sku=sku, gtin=batch.gtin, lot="L2706",
                                   quantity=100_000, generated=100_000,
                                   state=CodeBatch.State.DONE)
    resp = client.get(f"/brand/codes/{big.pk}/labels.pdf?count=2400&from=100001",
                      HTTP_ACCEPT="text/html,application/xhtml+xml", HTTP_ACCEPT_LANGUAGE="en")
    assert resp.status_code == 400 and resp["Content-Type"].startswith("text/html")
    page = resp.content.decode()
    form = page.split('data-testid="label-range"', 1)[1].split("</form>", 1)[0]
    assert 'value="100001"' in form and 'aria-describedby="label-from-error"' in form
    error = form.split('id="label-from-error"', 1)[1].split(">", 1)[1].split("<", 1)[0]
    assert error == start_en
