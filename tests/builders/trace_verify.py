"""Units with a journey for the verify page's tests: a code batch and its units
made directly, and journey events written in decision 0007's shapes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from shequn.core import clock
from shequn.trace import gs1
from shequn.trace.epcis import store
from shequn.trace.models import CodeBatch, UnitCode
from tests.builders.catalog import make_gtin, make_product, make_sku, make_warehouse
from tests.builders.console import make_brand

VOC = "https://shequn.org/voc"


def coded_units(n: int = 2, *, brand: Any = None, lot: str = "L2612") -> list[UnitCode]:
    brand = brand or make_brand().org
    sku = make_sku(product=make_product(brand=brand), gtin=make_gtin())
    gtin = gs1.gtin14(sku.gtin)
    batch = CodeBatch.objects.create(org=brand, sku=sku, gtin=gtin, lot=lot,
                                     expiry=dt.date(2028, 6, 30), quantity=n, generated=n,
                                     state=CodeBatch.State.DONE)
    return [UnitCode.objects.create(gtin=gtin, serial=gs1.new_serial(), batch=batch)
            for _ in range(n)]


def _at(days_ago: float) -> str:
    return (clock.now() - dt.timedelta(days=days_ago)).isoformat(timespec="milliseconds")


def write_journey(unit: UnitCode, *, order_number: str = "", waybill: str = "SF1234567890123",
                  sscc: str = "") -> None:
    """Commissioned, packed in a carton, shipped to and received at a bonded
    warehouse (as the carton), released, picked, shipped and delivered."""
    epc = gs1.sgtin_urn(unit.gtin, unit.serial)
    carton = gs1.sscc_urn(sscc or gs1.new_sscc("6901234"))
    brand = unit.batch.org
    wh = make_warehouse()
    org_uri, wh_uri = f"urn:shequn:org:{brand.code}", f"urn:shequn:warehouse:{wh.code}"
    base = {"eventTimeZoneOffset": "+08:00"}
    order = [{"type": "po", "bizTransaction": f"urn:shequn:order:{order_number or 'X1'}"}]
    events = [
        {**base, "type": "ObjectEvent", "action": "ADD", "eventTime": _at(10), "epcList": [epc],
         "bizStep": "commissioning", "disposition": "active", "bizLocation": {"id": org_uri},
         "ilmd": {"cbvmda:lotNumber": unit.batch.lot}},
        {**base, "type": "AggregationEvent", "action": "ADD", "eventTime": _at(9.9),
         "parentID": carton, "childEPCs": [epc], "bizStep": "packing",
         "disposition": "container_closed"},
        {**base, "type": "ObjectEvent", "action": "OBSERVE", "eventTime": _at(9),
         "epcList": [carton], "bizStep": "shipping", "disposition": "in_transit",
         "bizTransactionList": [{"type": "desadv", "bizTransaction": "urn:shequn:asn:A1"}],
         "destinationList": [{"type": "location", "destination": wh_uri}]},
        {**base, "type": "ObjectEvent", "action": "OBSERVE", "eventTime": _at(5),
         "epcList": [carton], "bizStep": "receiving", "disposition": "sellable_not_accessible",
         "bizLocation": {"id": wh_uri}},
        {**base, "type": "AggregationEvent", "action": "DELETE", "eventTime": _at(3),
         "parentID": carton, "childEPCs": [epc], "bizStep": "unpacking"},
        # After the unit left the carton: not part of the unit's journey.
        {**base, "type": "ObjectEvent", "action": "OBSERVE", "eventTime": _at(2.5),
         "epcList": [carton], "bizStep": "destroying", "disposition": "destroyed"},
        {**base, "type": "ObjectEvent", "action": "OBSERVE", "eventTime": _at(3.1),
         "epcList": [epc], "bizStep": f"{VOC}/bizstep/customs_releasing",
         "disposition": "sellable_accessible", "bizTransactionList": order},
        {**base, "type": "ObjectEvent", "action": "OBSERVE", "eventTime": _at(3),
         "epcList": [epc], "bizStep": "picking", "disposition": "retail_sold",
         "bizLocation": {"id": wh_uri}, "bizTransactionList": order},
        {**base, "type": "ObjectEvent", "action": "OBSERVE", "eventTime": _at(2),
         "epcList": [epc], "bizStep": "shipping", "disposition": "in_transit",
         "bizTransactionList": [*order, {"type": "bol",
                                          "bizTransaction": f"urn:shequn:waybill:{waybill}"}]},
        {**base, "type": "ObjectEvent", "action": "OBSERVE", "eventTime": _at(1),
         "epcList": [epc], "bizStep": f"{VOC}/bizstep/delivering",
         "disposition": "retail_sold", "bizTransactionList": order},
    ]
    store.record(events)


def link(unit: UnitCode, *, lot: bool = True) -> str:
    path = f"/01/{unit.gtin}"
    if lot:
        path += f"/10/{unit.batch.lot}"
    return f"{path}/21/{unit.serial}"
