"""Inbound services: ASNs from the goods owner, receiving with discrepancies,
transfers between warehouses, audited adjustments, inspection of returns.

Each public function is one transaction. Stock changes only through
inventory.services (the append-only ledger, conditional UPDATEs); the documents
here are the moves' ``ref``. Every check runs before the first write, so a
refusal writes nothing."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils.translation import gettext_noop

from shequn.brands import chain
from shequn.brands import selectors as brand_selectors
from shequn.brands.models import Grant
from shequn.catalog.models import SKU, Organization
from shequn.core import audit, clock, ids, notices
from shequn.core.errors import DomainError
from shequn.core.httpinput import has_control, without_controls
from shequn.inventory import services as stock_services
from shequn.inventory.errors import InventoryError
from shequn.inventory.models import Batch, Reservation, Stock, Warehouse
from shequn.logistics.inbound_errors import InboundError
from shequn.logistics.models import (
    ASN,
    Adjustment,
    ASNLine,
    Discrepancy,
    ReturnInspection,
    Transfer,
    TransferLine,
)
from shequn.orders.models import AfterSale, AfterSaleLine

MAX_QTY = 1_000_000
MAX_LINES = 200
ASN_SEQUENCE = "shequn_asn_no_seq"
TRANSFER_SEQUENCE = "shequn_transfer_no_seq"


@dataclass(frozen=True)
class LineIn:
    sku: str  # SKU code or GTIN
    lot: str
    qty: Any
    expiry: dt.date | None = None


def _qty(value: Any, error: InboundError = InboundError.BAD_QTY, low: int = 1,
         line: int | None = None) -> int:
    """``value`` as a quantity, else ``error`` (naming the ASN ``line`` it is on)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= MAX_QTY:
        where = {} if line is None else {"line": line}
        raise error.error(qty=str(value)[:20], **where)
    return value


def _text(value: Any, max_len: int) -> str:
    """Free text (a note, a reason, a reference) as stored: without control
    characters other than line breaks and tabs (PostgreSQL text cannot hold a
    NUL: it was a 500), trimmed to ``max_len``."""
    return without_controls(str(value or "")).strip()[:max_len]


def _number(prefix: str, sequence: str) -> str:
    return f"{prefix}{clock.now().astimezone():%y%m%d}{ids.next_value(sequence):06d}"


def owns_sku(org: Organization | None, sku: SKU) -> bool:
    """An organization's goods: SKUs of products it owns as brand or sells as
    seller of record, or of a brand that authorized it (an importer in the
    brand's chain ships the brand's goods in). ``None`` (the platform) owns
    every SKU."""
    if org is None or org.pk in (sku.product.brand_id, sku.product.seller_id):
        return True
    # In force today: an active grant past its end date counted until the
    # nightly expiry job caught up with it.
    day = chain.today()
    return Grant.objects.filter(brand_id=sku.product.brand_id, grantee=org,
                                status=Grant.Status.ACTIVE, valid_from__lte=day,
                                valid_to__gte=day).exists()


def _find_sku(code: str) -> SKU | None:
    code = (code or "").strip()
    if not code or "\x00" in code:  # no code holds NUL, and PostgreSQL refuses it in a query
        return None
    return (SKU.objects.select_related("product").filter(Q(code=code) | Q(gtin=code))
            .order_by("pk").first())


@transaction.atomic
def create_asn(actor: Any, owner: Organization, *, warehouse_id: Any,
               expected_date: dt.date, lines: Sequence[LineIn], ems_no: str = "",
               bond_invt_no: str = "", reference: str = "", note: str = "",
               submit: bool = True) -> ASN:
    """An ASN of ``owner``'s goods into a warehouse. Refused (nothing written):
    an unknown warehouse, an unknown SKU or one of another organization, a
    quantity that is not 1..1,000,000, goods expiring before they arrive, a lot
    already known with another expiry, an account book number that is not the
    warehouse's."""
    try:
        warehouse = Warehouse.objects.get(pk=int(warehouse_id))
    except (Warehouse.DoesNotExist, TypeError, ValueError):
        raise InboundError.UNKNOWN_WAREHOUSE.error(warehouse=str(warehouse_id)[:20]) from None
    today = clock.today()
    if not isinstance(expected_date, dt.date) or not (
            today - dt.timedelta(days=90) <= expected_date <= today + dt.timedelta(days=366)):
        raise InboundError.BAD_DATE.error(expected_date=str(expected_date)[:20])
    ems_no, bond_invt_no = _text(ems_no, 30), _text(bond_invt_no, 30)
    if warehouse.ems_no:
        if ems_no and ems_no != warehouse.ems_no:
            raise InboundError.EMS_MISMATCH.error(ems_no=ems_no)
        ems_no = warehouse.ems_no
    if not lines or len(lines) > MAX_LINES:
        raise InboundError.NO_LINES.error(lines=len(lines))
    rows: list[ASNLine] = []
    seen: set[tuple[int, str]] = set()
    for n, line in enumerate(lines, start=1):
        lot = (line.lot or "").strip()
        if not lot or len(lot) > 40 or has_control(lot):
            raise InboundError.BAD_LINE.error(line=n)
        sku = _find_sku(line.sku)
        if sku is None:
            raise InboundError.UNKNOWN_SKU.error(line=n, sku=str(line.sku)[:40])
        if not owns_sku(owner, sku):
            raise InboundError.FOREIGN_SKU.error(line=n, sku=sku.code)
        qty = _qty(line.qty, line=n)
        if line.expiry is not None and line.expiry <= expected_date:
            raise InboundError.REVERSED_DATES.error(line=n, expiry=line.expiry,
                                                    expected_date=expected_date)
        if (sku.pk, lot) in seen:
            raise InboundError.DUPLICATE_LINE.error(line=n)
        seen.add((sku.pk, lot))
        known = Batch.objects.filter(sku=sku, lot=lot).first()
        if known is not None and line.expiry is not None and known.expiry != line.expiry:
            raise InboundError.BATCH_MISMATCH.error(line=n, lot=lot, expiry=known.expiry)
        rows.append(ASNLine(line_no=n, sku=sku, lot=lot, expiry=line.expiry, qty_expected=qty))
    now = clock.now()
    asn = ASN.objects.create(
        number=_number("ASN", ASN_SEQUENCE), owner=owner, warehouse=warehouse,
        expected_date=expected_date, ems_no=ems_no, bond_invt_no=bond_invt_no,
        reference=_text(reference, 60), note=_text(note, 200),
        status=ASN.Status.SUBMITTED if submit else ASN.Status.DRAFT,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        submitted_at=now if submit else None)
    for row in rows:
        row.asn = asn
    ASNLine.objects.bulk_create(rows)
    audit.record(actor, "asn.create", asn, number=asn.number, owner=owner.pk,
                 warehouse=warehouse.code, lines=len(rows))
    return asn


def _lock_asn(asn_id: Any) -> ASN:
    asn = ASN.objects.select_for_update().filter(pk=asn_id).first()
    if asn is None:
        raise InboundError.ASN_NOT_FOUND.error()
    return asn


@transaction.atomic
def submit_asn(actor: Any, asn_id: Any) -> ASN:
    asn = _lock_asn(asn_id)
    if asn.status != ASN.Status.DRAFT:
        raise InboundError.ASN_CLOSED.error(asn_status=asn.status)
    asn.status, asn.submitted_at = ASN.Status.SUBMITTED, clock.now()
    asn.save(update_fields=["status", "submitted_at"])
    audit.record(actor, "asn.submit", asn, number=asn.number)
    return asn


@transaction.atomic
def cancel_asn(actor: Any, asn_id: Any) -> ASN:
    asn = _lock_asn(asn_id)
    if asn.status not in (ASN.Status.DRAFT, ASN.Status.SUBMITTED):
        raise InboundError.ASN_CLOSED.error(asn_status=asn.status)
    asn.status, asn.cancelled_at = ASN.Status.CANCELLED, clock.now()
    asn.save(update_fields=["status", "cancelled_at"])
    audit.record(actor, "asn.cancel", asn, number=asn.number)
    return asn


def _receiving(asn_id: Any) -> ASN:
    asn = _lock_asn(asn_id)
    if asn.status not in (ASN.Status.SUBMITTED, ASN.Status.RECEIVING):
        raise InboundError.ASN_CLOSED.error(asn_status=asn.status)
    if asn.status == ASN.Status.SUBMITTED:
        asn.status = ASN.Status.RECEIVING
        asn.save(update_fields=["status"])
    return asn


@transaction.atomic
def scan(actor: Any, asn_id: Any, code: str) -> ASNLine:
    """A barcode gun read ``code`` (GTIN or SKU code): one more unit counted on
    the ASN's line of that SKU (the first lot still short, else the last)."""
    asn = _receiving(asn_id)
    code = (code or "").strip()[:40]
    lines = [ln for ln in asn.lines.select_related("sku").order_by("line_no")
             if code and code in (ln.sku.code, ln.sku.gtin)]
    if not lines:
        raise InboundError.CODE_NOT_ON_ASN.error(scanned=code)
    line = next((ln for ln in lines if ln.counted < ln.qty_expected), lines[-1])
    done = ASNLine.objects.filter(pk=line.pk, counted__lt=MAX_QTY).update(
        counted=F("counted") + 1)
    if not done:
        raise InboundError.BAD_COUNT.error(line=line.line_no)
    line.refresh_from_db()
    return line


@transaction.atomic
def set_count(actor: Any, asn_id: Any, line_id: Any, *, counted: Any, damaged: Any,
              reason: str = "") -> ASNLine:
    """Typed counts of one line (``counted`` includes ``damaged``), and the
    reason of its discrepancy."""
    asn = _receiving(asn_id)
    line = asn.lines.filter(pk=line_id).first()
    if line is None:
        raise InboundError.ASN_NOT_FOUND.error(line_id=str(line_id)[:20])
    counted = _qty(counted, InboundError.BAD_COUNT, low=0, line=line.line_no)
    damaged = _qty(damaged, InboundError.BAD_COUNT, low=0, line=line.line_no)
    if damaged > counted:
        raise InboundError.BAD_COUNT.error(counted=counted, damaged=damaged, line=line.line_no)
    line.counted, line.damaged, line.reason = counted, damaged, _text(reason, 200)
    line.save(update_fields=["counted", "damaged", "reason"])
    return line


@transaction.atomic
def record_wrong_item(actor: Any, asn_id: Any, *, code: str, qty: Any,
                      reason: str) -> Discrepancy:
    """Goods that are not on the ASN (wrong SKU or lot) arrived: recorded as a
    discrepancy for the owner; they do not enter stock."""
    asn = _receiving(asn_id)
    qty = _qty(qty)
    reason = _text(reason, 200)
    if not reason:
        raise InboundError.REASON_REQUIRED.error()
    return Discrepancy.objects.create(asn=asn, kind=Discrepancy.Kind.WRONG, qty=qty,
                                      code=_text(code, 40), reason=reason,
                                      recorded_by=_user(actor))


def _user(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


@transaction.atomic
def complete_receipt(actor: Any, asn_id: Any) -> ASN:
    """Close the receipt: each line's good units (counted − damaged) become
    available stock of its lot, damaged units go to the lot's quarantine, both
    through the ledger with the ASN number as ref; short, over and damaged
    lines become discrepancies (a reason is required for each). The owner's
    staff are told."""
    asn = _receiving(asn_id)
    lines = list(asn.lines.select_related("sku").order_by("line_no"))
    found: list[tuple[ASNLine, str, int]] = []
    for line in lines:
        if line.counted < line.qty_expected:
            found.append((line, Discrepancy.Kind.SHORT, line.qty_expected - line.counted))
        elif line.counted > line.qty_expected:
            found.append((line, Discrepancy.Kind.OVER, line.counted - line.qty_expected))
        if line.damaged:
            found.append((line, Discrepancy.Kind.DAMAGED, line.damaged))
    missing = sorted({ln.line_no for ln, _, _ in found if not ln.reason})
    if missing:
        raise InboundError.REASON_REQUIRED.error(lines=",".join(map(str, missing)))
    try:
        for line in lines:
            good = line.counted - line.damaged
            if good:
                stock_services.receive(warehouse=asn.warehouse, sku=line.sku, lot=line.lot,
                                       expiry=line.expiry, qty=good, ref=asn.number,
                                       note=f"ASN {asn.number} line {line.line_no}")
            if line.damaged:
                stock_services.receive(warehouse=asn.warehouse, sku=line.sku, lot=line.lot,
                                       expiry=line.expiry, qty=line.damaged, ref=asn.number,
                                       note=f"ASN {asn.number} line {line.line_no} damaged",
                                       quarantine=True)
            line.received = good
    except DomainError as err:
        if err.code == InventoryError.BATCH_MISMATCH.value:
            raise InboundError.BATCH_MISMATCH.error(**err.detail) from None
        raise
    ASNLine.objects.bulk_update(lines, ["received"])
    Discrepancy.objects.bulk_create([
        Discrepancy(asn=asn, line=line, kind=kind, qty=qty, reason=line.reason,
                    recorded_by=_user(actor)) for line, kind, qty in found])
    asn.status, asn.received_at, asn.received_by = ASN.Status.RECEIVED, clock.now(), _user(actor)
    asn.save(update_fields=["status", "received_at", "received_by"])
    differences = found + [(None, d.kind, d.qty) for d in asn.discrepancies.filter(
        kind=Discrepancy.Kind.WRONG)]
    audit.record(actor, "asn.receive", asn, number=asn.number,
                 received=sum(ln.received for ln in lines),
                 damaged=sum(ln.damaged for ln in lines), discrepancies=len(differences))
    notices.notify(brand_selectors.staff_of(asn.owner), "asn.received",
                   gettext_noop("ASN {number} received: {units} units in stock, "
                                "{count} discrepancies"),
                   url=f"/brand/stock/asns/{asn.pk}/", number=asn.number,
                   units=sum(ln.received for ln in lines), count=len(differences))
    return asn


# --- transfers and adjustments ----------------------------------------------

@transaction.atomic
def transfer(actor: Any, *, from_warehouse: Warehouse, to_warehouse_id: Any,
             lines: Iterable[tuple[Any, Any]], note: str = "") -> Transfer:
    """Move sellable units of batches (``lines`` = (stock id, qty)) from
    ``from_warehouse`` to another warehouse. Totals are kept: what leaves one
    row arrives in the other, through the ledger."""
    try:
        target = Warehouse.objects.get(pk=int(to_warehouse_id))
    except (Warehouse.DoesNotExist, TypeError, ValueError):
        raise InboundError.UNKNOWN_WAREHOUSE.error(warehouse=str(to_warehouse_id)[:20]) from None
    if target.pk == from_warehouse.pk:
        raise InboundError.SAME_WAREHOUSE.error()
    note = _text(note, 200)
    wanted = [(int(stock_id), _qty(qty)) for stock_id, qty in lines]
    if not wanted:
        raise InboundError.NO_LINES.error(lines=0)
    stocks = {s.pk: s for s in Stock.objects.filter(pk__in=[sid for sid, _ in wanted])}
    for stock_id, _n in wanted:
        if stock_id not in stocks or stocks[stock_id].warehouse_id != from_warehouse.pk:
            raise InboundError.NOT_IN_WAREHOUSE.error(stock=stock_id)
    record = Transfer.objects.create(number=_number("TR", TRANSFER_SEQUENCE),
                                     from_warehouse=from_warehouse, to_warehouse=target,
                                     note=note, by=_user(actor))
    # Lock order: stock rows in the global order (sku, expiry, batch, warehouse).
    for stock_id, n in sorted(wanted, key=lambda w: (stocks[w[0]].sku_id,
                                                     stocks[w[0]].batch_id)):
        stock_services.transfer(stock_id=stock_id, to_warehouse=target, qty=n,
                                ref=record.number, note=note)
        TransferLine.objects.create(transfer=record, batch_id=stocks[stock_id].batch_id, qty=n)
    audit.record(actor, "stock.transfer", record, number=record.number,
                 source=from_warehouse.code, target=target.code,
                 units=sum(n for _, n in wanted))
    return record


ADJUSTMENT_SIGNS = {Adjustment.Reason.DAMAGE: -1, Adjustment.Reason.EXPIRY: -1,
                    Adjustment.Reason.FOUND: 1}


@transaction.atomic
def adjust(actor: Any, *, warehouse: Warehouse, stock_id: Any, reason: str, delta: Any,
           note: str, quarantine: bool = False) -> Adjustment:
    """Correct a stock row with a reason (damage and expiry destruction take
    units away, found adds, stocktake either way), audited. Never below zero
    (nor below what is held for orders): refused with ``negative_stock``."""
    if reason not in Adjustment.Reason.values:
        raise InboundError.NOTE_REQUIRED.error(reason=str(reason)[:20])
    if isinstance(delta, bool) or not isinstance(delta, int) or not 0 < abs(delta) <= MAX_QTY:
        raise InboundError.BAD_QTY.error(qty=str(delta)[:20])
    sign = ADJUSTMENT_SIGNS.get(reason)  # type: ignore[call-overload]
    if sign is not None and delta * sign < 0:
        raise InboundError.BAD_QTY.error(qty=delta, reason=reason)
    note = _text(note, 200)
    if not note:
        raise InboundError.NOTE_REQUIRED.error()
    stock = Stock.objects.filter(pk=stock_id, warehouse=warehouse).first()
    if stock is None:
        raise InboundError.NOT_IN_WAREHOUSE.error(stock=str(stock_id)[:20])
    stock_services.adjust(stock_id=stock.pk, delta=delta, ref=f"ADJ-{reason}",
                          note=note, quarantine=quarantine)
    row = Adjustment.objects.create(stock=stock, reason=reason, delta=delta,
                                    quarantine=quarantine, note=note, by=_user(actor))
    audit.record(actor, "stock.adjust", row, stock=stock.pk, reason=reason, delta=delta,
                 quarantine=quarantine, note=note)
    return row


# --- returns -------------------------------------------------------------------

INSPECTABLE = (AfterSale.State.APPROVED, AfterSale.State.REFUNDED)


def inspected_units(line_id: Any) -> int:
    got = ReturnInspection.objects.filter(line_id=line_id).aggregate(
        s=Sum("sellable"), d=Sum("damaged"))
    return (got["s"] or 0) + (got["d"] or 0)


@transaction.atomic
def inspect_return(actor: Any, *, warehouses: Any, line_id: Any, sellable: Any,
                   damaged: Any, note: str = "") -> ReturnInspection:
    """Returned units of one after-sales line were inspected: ``sellable``
    go back to stock of the batch they were sold from (through the ledger),
    ``damaged`` to that batch's quarantine. ``warehouses`` are those the
    inspector may act on (the order's warehouse must be one)."""
    line = (AfterSaleLine.objects.select_related("after_sale__order", "line")
            .filter(pk=line_id).first())
    if line is None or not warehouses.filter(pk=line.after_sale.order.warehouse_id).exists():
        raise InboundError.RETURN_NOT_FOUND.error()
    after_sale = AfterSale.objects.select_for_update().get(pk=line.after_sale_id)
    if after_sale.state not in INSPECTABLE:
        raise InboundError.RETURN_NOT_APPROVED.error(return_state=after_sale.state)
    sellable = _qty(sellable, InboundError.BAD_COUNT, low=0)
    damaged = _qty(damaged, InboundError.BAD_COUNT, low=0)
    if sellable + damaged == 0:
        raise InboundError.BAD_COUNT.error(units=0)
    left = line.qty - inspected_units(line.pk)
    if sellable + damaged > left:
        raise InboundError.INSPECT_TOO_MANY.error(left=left)
    order = after_sale.order
    reservation = (Reservation.objects.filter(ref=order.number,
                                              state=Reservation.State.COMMITTED,
                                              stock__sku_id=line.line.sku_id)
                   .select_related("stock__batch").order_by("stock__batch__expiry", "pk")
                   .first())
    if reservation is None:
        raise InboundError.NO_BATCH.error(order=order.number)
    ref = f"{order.number}/R{after_sale.pk}"
    text = _text(note, 200)
    if sellable:
        stock_services.put_back(stock_id=reservation.stock_id, qty=sellable, ref=ref,
                                note=text or "return inspected: sellable")
    if damaged:
        stock_services.put_back(stock_id=reservation.stock_id, qty=damaged, ref=ref,
                                note=text or "return inspected: damaged", quarantine=True)
    row = ReturnInspection.objects.create(after_sale=after_sale, line=line,
                                          stock_id=reservation.stock_id, sellable=sellable,
                                          damaged=damaged, note=text, by=_user(actor))
    audit.record(actor, "return.inspect", row, order=order.number, sellable=sellable,
                 damaged=damaged)
    return row
