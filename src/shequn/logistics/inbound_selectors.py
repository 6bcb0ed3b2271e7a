"""Inbound reads: ASNs for a warehouse's staff or for the goods owner, returns
waiting for inspection."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet, Sum

from shequn.logistics.models import ASN, ReturnInspection
from shequn.orders.models import AfterSale, AfterSaleLine

OPEN = (ASN.Status.SUBMITTED, ASN.Status.RECEIVING)


def asns_for_warehouses(warehouses: Any, *, open_only: bool = True) -> QuerySet[ASN]:
    qs = ASN.objects.filter(warehouse__in=warehouses).select_related("owner", "warehouse")
    if open_only:
        qs = qs.filter(status__in=OPEN)
    return qs.order_by("expected_date", "pk")


def asn_for_warehouses(warehouses: Any, asn_id: Any) -> ASN | None:
    return asns_for_warehouses(warehouses, open_only=False).filter(pk=asn_id).first()


def asns_of(owner_id: int | None) -> QuerySet[ASN]:
    """The ASNs an organization sees (``None``: all, the platform): its own, and
    those carrying its goods (the brand owner or seller of record sees its
    importer's ASNs, their receipts and discrepancies)."""
    qs = ASN.objects.select_related("owner", "warehouse").order_by("-created_at", "-pk")
    if owner_id is None:
        return qs
    goods = ASN.objects.filter(Q(lines__sku__product__brand_id=owner_id)
                               | Q(lines__sku__product__seller_id=owner_id)).values("pk")
    return qs.filter(Q(owner_id=owner_id) | Q(pk__in=goods))


def asn_of(owner_id: int | None, *, pk: Any = None, number: str | None = None) -> ASN | None:
    qs = asns_of(owner_id)
    if pk is not None:
        try:
            return qs.filter(pk=int(pk)).first()
        except (TypeError, ValueError):
            return None
    return qs.filter(number=number).first()


def returns_to_inspect(warehouses: Any) -> list[dict[str, Any]]:
    """After-sales lines of approved or refunded returns from orders of these
    warehouses with units not yet inspected, oldest first."""
    lines = list(AfterSaleLine.objects
                 .filter(after_sale__state__in=(AfterSale.State.APPROVED,
                                                AfterSale.State.REFUNDED),
                         after_sale__order__warehouse__in=warehouses)
                 .select_related("after_sale__order", "line__sku")
                 .order_by("after_sale__created_at", "pk")[:200])
    done = {r["line_id"]: (r["s"] or 0) + (r["d"] or 0) for r in
            ReturnInspection.objects.filter(line_id__in=[ln.pk for ln in lines])
            .values("line_id").annotate(s=Sum("sellable"), d=Sum("damaged")).order_by()}
    out = []
    for ln in lines:
        left = ln.qty - done.get(ln.pk, 0)
        if left > 0:
            out.append({"line": ln, "order": ln.after_sale.order, "after_sale": ln.after_sale,
                        "sku": ln.line.sku, "left": left})
    return out
