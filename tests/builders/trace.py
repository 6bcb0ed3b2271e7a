"""Traceability builders: a brand's SKU with codes, an ASN received by
scanning its coded cartons, a released and picked order to pack by scanning."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shequn.catalog.models import SKU, Organization
from shequn.inventory.models import Warehouse
from shequn.logistics import inbound, outbound
from shequn.logistics.models import ASN
from shequn.orders.models import Order
from shequn.trace import codes, receiving
from shequn.trace.models import Carton, CodeBatch, UnitCode
from tests.builders.buying import place_paid_order
from tests.builders.catalog import make_org
from tests.builders.inbound import brand_sku, make_asn, operated_warehouse, staff
from tests.builders.outbound import released
from tests.builders.people import make_buyer


def coded_batch(brand: Organization, sku: SKU, quantity: int = 6, per_carton: int = 3,
                *, asn: ASN | None = None, lot: str = "L1",
                expiry: dt.date | None = dt.date(2030, 1, 1), chunk: int = 10_000) -> CodeBatch:
    """A generated batch (the job run at once)."""
    line_id = asn.lines.get(sku=sku).pk if asn is not None else None
    batch = codes.create_batch(None, brand, sku_id=None if asn else sku.pk, asn_line_id=line_id,
                               lot=lot, expiry=expiry, quantity=quantity,
                               per_carton=per_carton)
    codes.generate(batch.pk, chunk=chunk)
    batch.refresh_from_db()
    return batch


class Setup:
    """A brand, its SKU, an operated bonded warehouse with staff, an ASN of
    ``qty`` units coded in cartons of ``per_carton``."""

    def __init__(self, qty: int = 6, per_carton: int = 3) -> None:
        self.brand = make_org(Organization.Kind.BRAND)
        self.sku = brand_sku(self.brand, price="99.00")
        self.operator, self.warehouse = operated_warehouse()
        self.staff = staff(self.operator)
        self.asn = make_asn(self.brand, self.warehouse, [(self.sku, "L1", qty)])
        self.batch = coded_batch(self.brand, self.sku, qty, per_carton, asn=self.asn)

    def cartons(self) -> list[Carton]:
        return list(Carton.objects.filter(batch=self.batch).order_by("pk"))

    def units(self) -> list[UnitCode]:
        return list(UnitCode.objects.filter(batch=self.batch).order_by("pk"))

    def receive_all(self) -> None:
        for carton in self.cartons():
            receiving.scan(self.staff, self.asn.pk, carton.sscc)
        for unit in UnitCode.objects.filter(batch=self.batch, carton__isnull=True,
                                            state=UnitCode.State.COMMISSIONED):
            receiving.scan(self.staff, self.asn.pk, f"(01){unit.gtin}(21){unit.serial}")
        line = self.asn.lines.get()
        inbound.complete_receipt(self.staff, self.asn.pk)
        assert line.qty_expected

    def order(self, qty: int = 2) -> Order:
        """A paid order of the SKU from this warehouse, released and picked."""
        order = place_paid_order(make_buyer(), self.sku, qty=qty)
        assert order.warehouse_id == self.warehouse.pk
        order = released(order)
        pick = outbound.create_pick_list(self.staff, self.warehouse, [order.pk])
        outbound.confirm_picked(self.staff, pick.pk)
        return order


def unit_code(unit: UnitCode) -> str:
    return f"https://v.example.cn/01/{unit.gtin}/10/{unit.batch.lot}/21/{unit.serial}"


def warehouse_of(setup: Setup) -> Warehouse:
    return setup.warehouse


def extra_staff(org: Organization, **fields: Any) -> Any:
    return staff(org, **fields)


def element_string(unit: Any) -> str:
    """What a handheld scanner reads off a unit's label: (01)GTIN(21)serial."""
    return f"(01){unit.gtin}(21){unit.serial}"


def received(qty: int, per_carton: int) -> Setup:
    """A Setup whose coded goods were all received at the warehouse."""
    s = Setup(qty=qty, per_carton=per_carton)
    s.receive_all()
    return s
