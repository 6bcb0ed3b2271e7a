"""ASNs and receiving: discrepancies, the ledger, quarantine, bad input, transfers,
adjustments, return inspection."""

from __future__ import annotations

import datetime as dt

import pytest

from shequn.core.errors import DomainError
from shequn.inventory import selectors as stock_selectors
from shequn.inventory.models import Stock, StockMove
from shequn.logistics import inbound
from shequn.logistics.models import ASN, Adjustment, ASNLine, Discrepancy, Transfer
from shequn.orders.models import AfterSale
from tests.builders import (
    deliver,
    make_operator,
    make_org,
    make_stock,
    make_warehouse,
    paid_order,
)
from tests.builders.inbound import brand_sku, make_asn, operated_warehouse, soon

pytestmark = pytest.mark.django_db


def _receive(asn: ASN, counts: dict[int, tuple[int, int, str]], user=None) -> ASN:
    for line in asn.lines.all():
        counted, damaged, reason = counts[line.line_no]
        inbound.set_count(user, asn.pk, line.pk, counted=counted, damaged=damaged,
                          reason=reason)
    return inbound.complete_receipt(user, asn.pk)


def test_receipt_with_discrepancies_puts_exactly_the_good_units_in_stock():
    brand = make_org()
    _, wh = operated_warehouse()
    a, b = brand_sku(brand), brand_sku(brand)
    asn = make_asn(brand, wh, [(a, "LA1", 10), (b, "LB1", 5)], bond_invt_no="QD2991250001")
    assert asn.status == ASN.Status.SUBMITTED and asn.ems_no == wh.ems_no
    # Line 1: 2 short and 1 damaged; line 2: one over.
    for _ in range(8):
        inbound.scan(None, asn.pk, a.gtin)
    line1 = asn.lines.get(line_no=1)
    assert line1.counted == 8
    inbound.set_count(None, asn.pk, line1.pk, counted=8, damaged=1, reason="两箱短少，一件破损")
    for _ in range(6):
        inbound.scan(None, asn.pk, b.code)
    with pytest.raises(DomainError) as err:
        inbound.complete_receipt(None, asn.pk)
    assert err.value.code == "reason_required"
    assert not StockMove.objects.filter(ref=asn.number).exists()
    line2 = asn.lines.get(line_no=2)
    inbound.set_count(None, asn.pk, line2.pk, counted=6, damaged=0, reason="多发一件")
    inbound.complete_receipt(None, asn.pk)

    asn.refresh_from_db()
    assert asn.status == ASN.Status.RECEIVED
    sa = Stock.objects.get(sku=a, warehouse=wh)
    assert (sa.on_hand, sa.quarantine) == (7, 1)
    assert stock_selectors.available(a.pk) == 7  # the damaged unit is never available
    assert stock_selectors.available(b.pk) == 6  # over-receipt is stock too
    kinds = sorted((d.line.line_no, d.kind, d.qty) for d in asn.discrepancies.all())
    assert kinds == [(1, "damaged", 1), (1, "short", 2), (2, "over", 1)]
    moves = StockMove.objects.filter(ref=asn.number)
    assert sorted((m.kind, m.on_hand_delta, m.quarantine_delta) for m in moves) == [
        ("quarantine", 0, 1), ("receive", 6, 0), ("receive", 7, 0)]
    assert stock_selectors.stock_ledger_balances_ok(sa)
    # Closed: no more scans or receipts.
    with pytest.raises(DomainError) as err:
        inbound.scan(None, asn.pk, a.gtin)
    assert err.value.code == "asn_closed"


def test_damaged_units_cannot_be_reserved():
    brand = make_org()
    _, wh = operated_warehouse()
    a = brand_sku(brand)
    asn = make_asn(brand, wh, [(a, "LQ", 3)])
    _receive(asn, {1: (3, 3, "全部破损")})
    from shequn.inventory import services

    with pytest.raises(DomainError) as err:
        services.reserve(warehouse_id=wh.pk, lines=[(a.pk, 1)], ref="T1")
    assert err.value.code == "out_of_stock"


@pytest.mark.parametrize("change, code", [
    (dict(qty=0), "invalid_qty"),
    (dict(qty=-3), "invalid_qty"),
    (dict(qty=1_000_001), "invalid_qty"),
    (dict(sku="NO-SUCH-SKU"), "unknown_sku"),
    (dict(foreign=True), "foreign_sku"),
    (dict(warehouse_id=999999), "unknown_warehouse"),
    (dict(expiry=dt.date(2020, 1, 1)), "reversed_dates"),
    (dict(ems_no="T9999W999999"), "ems_mismatch"),
    (dict(lot=""), "invalid_line"),
])
def test_bad_asn_input_writes_nothing(change, code):
    brand, other = make_org(), make_org()
    _, wh = operated_warehouse()
    mine, theirs = brand_sku(brand), brand_sku(other)
    sku = theirs.code if change.pop("foreign", False) else change.pop("sku", mine.code)
    line = inbound.LineIn(sku=sku, lot=change.pop("lot", "L1"), qty=change.pop("qty", 5),
                          expiry=change.pop("expiry", dt.date(2030, 1, 1)))
    kw = dict(warehouse_id=wh.pk, expected_date=soon(), lines=[line]) | change
    with pytest.raises(DomainError) as err:
        inbound.create_asn(None, brand, **kw)
    assert err.value.code == code
    assert not ASN.objects.exists() and not ASNLine.objects.exists()


def test_importer_may_announce_goods_it_sells():
    brand, importer = make_org(), make_org("ebc")
    _, wh = operated_warehouse()
    from tests.builders import make_product, make_sku

    sku = make_sku(product=make_product(brand=brand, seller=importer))
    asn = make_asn(importer, wh, [(sku, "IMP1", 4)])
    assert asn.owner == importer


def test_transfer_keeps_totals_and_never_takes_reserved_units():
    brand = make_org()
    _, wh1 = operated_warehouse()
    wh2 = make_warehouse()
    sku = brand_sku(brand)
    stock = make_stock(wh1, sku, 10, lot="TR1")
    from shequn.inventory import services

    services.reserve(warehouse_id=wh1.pk, lines=[(sku.pk, 4)], ref="HELD1")
    user = make_operator()
    inbound.transfer(user, from_warehouse=wh1, to_warehouse_id=wh2.pk, lines=[(stock.pk, 6)],
                     note="调拨")
    rows = {s.warehouse_id: s for s in Stock.objects.filter(sku=sku)}
    assert (rows[wh1.pk].on_hand, rows[wh1.pk].reserved) == (4, 4)
    assert rows[wh2.pk].on_hand == 6 and rows[wh2.pk].batch_id == stock.batch_id
    assert sum(s.on_hand for s in rows.values()) == 10
    with pytest.raises(DomainError) as err:
        inbound.transfer(user, from_warehouse=wh2, to_warehouse_id=wh1.pk,
                         lines=[(rows[wh2.pk].pk, 7)])
    assert err.value.code == "negative_stock"
    assert Transfer.objects.count() == 1
    for row in rows.values():
        assert stock_selectors.stock_ledger_balances_ok(row)


def test_adjustment_never_negative_and_audited():
    from shequn.core.models import AuditLog

    sku = brand_sku(make_org())
    _, wh = operated_warehouse()
    stock = make_stock(wh, sku, 3)
    user = make_operator()
    with pytest.raises(DomainError) as err:
        inbound.adjust(user, warehouse=wh, stock_id=stock.pk, reason="stocktake", delta=-4,
                       note="盘点")
    assert err.value.code == "negative_stock"
    with pytest.raises(DomainError) as err:
        inbound.adjust(user, warehouse=wh, stock_id=stock.pk, reason="damage", delta=-1,
                       note="")
    assert err.value.code == "note_required"
    with pytest.raises(DomainError):
        inbound.adjust(user, warehouse=wh, stock_id=stock.pk, reason="found", delta=-1,
                       note="x")
    inbound.adjust(user, warehouse=wh, stock_id=stock.pk, reason="damage", delta=-3,
                   note="摔坏")
    stock.refresh_from_db()
    assert stock.on_hand == 0
    assert Adjustment.objects.count() == 1
    assert AuditLog.objects.filter(action="stock.adjust").count() == 1
    other = make_warehouse()
    with pytest.raises(DomainError) as err:
        inbound.adjust(user, warehouse=other, stock_id=stock.pk, reason="found", delta=1,
                       note="x")
    assert err.value.code == "not_in_warehouse"


def test_wrong_item_is_recorded_without_stock():
    brand = make_org()
    _, wh = operated_warehouse()
    a = brand_sku(brand)
    asn = make_asn(brand, wh, [(a, "W1", 2)])
    with pytest.raises(DomainError) as err:
        inbound.scan(None, asn.pk, "4006381333931")
    assert err.value.code == "code_not_on_asn"
    inbound.record_wrong_item(None, asn.pk, code="4006381333931", qty=2, reason="错发商品")
    _receive(asn, {1: (2, 0, "")})
    assert Discrepancy.objects.filter(asn=asn, kind="wrong", qty=2).exists()
    assert Stock.objects.filter(warehouse=wh).count() == 1


def test_return_inspection_restocks_sellable_and_quarantines_damaged():
    operator = make_operator()
    org, wh = operated_warehouse()
    sku = brand_sku(make_org(), price="99.00", hs_code="1901101010")
    stock = make_stock(wh, sku, 10, lot="RET1")
    order = paid_order(None, sku, qty=3)
    deliver(order, operator)
    from shequn.orders import returns

    line = order.lines.get()
    after_sale = returns.request_return(order.user, order.pk, [(line.pk, 3)], "不合适")
    asl = after_sale.lines.get()
    from shequn.inventory.models import Warehouse

    houses = Warehouse.objects.filter(operator=org)
    with pytest.raises(DomainError) as err:  # not approved yet
        inbound.inspect_return(operator, warehouses=houses, line_id=asl.pk, sellable=1,
                               damaged=0)
    assert err.value.code == "return_not_approved"
    returns.decide_return(operator, after_sale.pk, approve=True)
    assert AfterSale.objects.get(pk=after_sale.pk).state == AfterSale.State.APPROVED
    stock.refresh_from_db()
    before = stock.on_hand
    inbound.inspect_return(operator, warehouses=houses, line_id=asl.pk, sellable=2, damaged=1)
    stock.refresh_from_db()
    assert stock.on_hand == before + 2 and stock.quarantine == 1
    assert stock_selectors.stock_ledger_balances_ok(stock)
    with pytest.raises(DomainError) as err:
        inbound.inspect_return(operator, warehouses=houses, line_id=asl.pk, sellable=1,
                               damaged=0)
    assert err.value.code == "inspect_too_many"
    with pytest.raises(DomainError) as err:  # another operator's warehouses
        inbound.inspect_return(operator, warehouses=Warehouse.objects.none(),
                               line_id=asl.pk, sellable=0, damaged=0)
    assert err.value.code == "return_not_found"


def test_a_grant_past_its_end_date_no_longer_lets_an_importer_ship_the_brands_goods():
    # Still "active" until the nightly expiry job ran: its end date was not read.
    import datetime as dt

    from shequn.brands import chain
    from shequn.logistics.inbound import owns_sku
    from tests.builders import make_product, make_sku
    from tests.builders.chain import make_grant

    brand, importer = make_org(), make_org("ebc")
    sku = make_sku(product=make_product(brand=brand))
    today = chain.today()
    grant = make_grant(brand, importer, valid_from=today - dt.timedelta(days=30),
                       valid_to=today, rebuild=False)
    assert owns_sku(importer, sku)
    grant.valid_to = today - dt.timedelta(days=1)
    grant.save(update_fields=["valid_to"])
    assert not owns_sku(importer, sku)
