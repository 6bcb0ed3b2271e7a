"""Business rules the XSD cannot express (digest specs/cbec-customs.md §1.4, §2, §3, §4).

Every check returns ``list[Problem]`` (empty = fine) with an element path like
``/CEB311Message/Order[1]/OrderList[2]/totalPrice`` and a rule id. Money is
compared exactly (the spec defines no tolerance). ``message_problems`` runs every
rule a single message allows; the ``check_*`` functions compare two documents
(three-document matching, returns against the inventory, legal units from SKUs).

Rule ids: CURRENCY, ID_TYPE, ID_NUMBER, GUID, APP_TYPE, APP_STATUS, TIME, ORDER_TYPE,
IE_FLAG, MAX_LINES, GNUM, LINE_TOTAL, GOODS_VALUE, ACTURAL_PAID, AMOUNT, GCODE,
QTY, QTY1_UNIT, QTY2_UNIT2, LEGAL_QTY, PACK_NO, WEIGHT, TRADE_MODE, BONDED_FIELDS,
DIRECT_FIELDS, COUNTRY, COP_NO, SIGNATURE, LOGISTICS_STATUS, CANCEL_APP_TYPE,
PAID_MATCH, PAYER_BUYER, CONSIGNEE_MATCH, KEY_MATCH, LINE_MATCH, REFUND_LINE, REFUND_QTY.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from stdnum.cn import ric

from .model import (
    CNY,
    Inventory,
    InventoryHead,
    InventoryLine,
    InvtCancel,
    InvtRefund,
    InvtRefundHead,
    LogisticsHead,
    LogisticsStatus,
    Message,
    Order,
    OrderHead,
    PaymentHead,
    parse_ceb_time,
)
from .schema import Problem

MAX_LINES = 99
SIGNED_TYPES = frozenset({"CEB621Message", "CEB623Message", "CEB625Message", "CEB711Message"})
TRADE_MODES = frozenset({"1210", "9610", "1239"})
_ZERO = Decimal(0)


def id_number_error(number: str) -> str | None:
    """Why ``number`` is not an 18-character resident ID (GB 11643: format, ISO 7064
    MOD 11-2 check character, birth date), or None. The region table is *not*
    consulted: it is incomplete for old codes (digest §4), so a miss is no error."""
    value = ric.compact(number or "")
    if len(value) != 18 or not value[:17].isdigit() or not (value[17].isdigit()
                                                             or value[17] == "X"):
        return "not an 18-character resident ID number"
    if ric.calc_check_digit(value) != value[17]:
        return "resident ID number check character is wrong"
    try:
        ric.get_birth_date(value)
    except ValueError:
        return "resident ID number has an impossible birth date"
    return None


# ---------------------------------------------------------------- small helpers


def _p(path: str, rule: str, message: str) -> Problem:
    return Problem(path=path, rule=rule, message=message)


def _currency(obj: object, path: str) -> list[Problem]:
    cur = getattr(obj, "currency", None)
    if cur is not None and cur != CNY:
        return [_p(f"{path}/currency", "CURRENCY", f"currency must be 142 (CNY), not {cur}")]
    return []


def _identity(id_type: str, number: str, type_tag: str, number_tag: str,
              path: str) -> list[Problem]:
    out = []
    if id_type != "1":
        out.append(_p(f"{path}/{type_tag}", "ID_TYPE",
                      f"{type_tag} must be 1 (resident ID card), not {id_type}"))
    else:
        err = id_number_error(number)
        if err:
            out.append(_p(f"{path}/{number_tag}", "ID_NUMBER", err))
    return out


def _time(value: str | None, tag: str, path: str, length: int) -> list[Problem]:
    if value is None:
        return []
    try:
        if len(value) != length:
            raise ValueError
        parse_ceb_time(value)
    except ValueError:
        fmt = "YYYYMMDD" if length == 8 else "YYYYMMDDhhmmss"
        return [_p(f"{path}/{tag}", "TIME", f"{tag} {value!r} is not a valid {fmt}")]
    return []


def _app(head: object, path: str) -> list[Problem]:
    out = []
    guid = getattr(head, "guid", "")
    if len(guid) != 36 or guid != guid.upper():
        out.append(_p(f"{path}/guid", "GUID", "guid must be 36 characters, upper case"))
    app_type = getattr(head, "app_type", "1")
    if app_type not in {"1", "2", "3"}:
        out.append(_p(f"{path}/appType", "APP_TYPE", f"appType must be 1, 2 or 3, not {app_type}"))
    status = getattr(head, "app_status", "2")
    if status not in {"1", "2"}:
        out.append(_p(f"{path}/appStatus", "APP_STATUS",
                      f"appStatus must be 1 (save) or 2 (declare), not {status}"))
    out += _time(getattr(head, "app_time", None), "appTime", path, 14)
    return out


def _non_negative(obj: object, tags: Iterable[str], path: str) -> list[Problem]:
    out = []
    for tag in tags:
        value = getattr(obj, tag)
        if value is not None and value < _ZERO:
            out.append(_p(f"{path}/{_camel(tag)}", "AMOUNT", f"{_camel(tag)} is negative"))
    return out


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(p[:1].upper() + p[1:] for p in rest)


def _gnums(gnums: list[int], path: str, tag: str) -> list[Problem]:
    if gnums != list(range(1, len(gnums) + 1)):
        return [_p(f"{path}/{tag}", "GNUM",
                   f"gnum must run 1, 2, 3… without gaps; got {gnums}")]
    return []


def _max_lines(n: int, path: str) -> list[Problem]:
    if n > MAX_LINES:
        return [_p(path, "MAX_LINES", f"{n} lines; at most {MAX_LINES} per document")]
    if n == 0:
        return [_p(path, "MAX_LINES", "a document needs at least one line")]
    return []


# ------------------------------------------------------------------ per document


def order_problems(order: Order, path: str = "/CEB311Message/Order[1]") -> list[Problem]:
    """CEB311 order: codes, identity, lines, price × qty, the acturalPaid formula."""
    h: OrderHead = order.head
    hp = f"{path}/OrderHead"
    out = _app(h, hp) + _currency(h, hp)
    if h.order_type != "I":
        out.append(_p(f"{hp}/orderType", "ORDER_TYPE", "orderType must be I (import)"))
    out += _identity(h.buyer_id_type, h.buyer_id_number, "buyerIdType", "buyerIdNumber", hp)
    money = ("goods_value", "freight", "discount", "tax_total", "actural_paid")
    out += _non_negative(h, money, hp)
    expected = h.goods_value + h.freight + h.tax_total - h.discount
    if h.actural_paid != expected:
        out.append(_p(f"{hp}/acturalPaid", "ACTURAL_PAID",
                      f"acturalPaid {h.actural_paid} ≠ goodsValue + freight + taxTotal − "
                      f"discount = {expected}"))
    out += _max_lines(len(order.lines), path)
    out += _gnums([ln.gnum for ln in order.lines], f"{path}/OrderList", "gnum")
    total = _ZERO
    for i, ln in enumerate(order.lines, 1):
        lp = f"{path}/OrderList[{i}]"
        out += _currency(ln, lp) + _line_total(ln.qty, ln.price, ln.total_price, lp)
        total += ln.total_price
    if order.lines and total != h.goods_value:
        out.append(_p(f"{hp}/goodsValue", "GOODS_VALUE",
                      f"goodsValue {h.goods_value} ≠ sum of line totalPrice {total}"))
    return out


def _line_total(qty: Decimal, price: Decimal, total: Decimal, lp: str) -> list[Problem]:
    out = []
    if qty <= _ZERO:
        out.append(_p(f"{lp}/qty", "QTY", "qty must be positive"))
    if price < _ZERO:
        out.append(_p(f"{lp}/price", "AMOUNT", "price is negative"))
    if price * qty != total:
        out.append(_p(f"{lp}/totalPrice", "LINE_TOTAL",
                      f"totalPrice {total} ≠ price {price} × qty {qty} = {price * qty}"))
    return out


def payment_problems(p: PaymentHead, path: str = "/CEB411Message/Payment[1]/PaymentHead",
                     ) -> list[Problem]:
    """CEB411 payment: payer identity, currency, amount, payTime."""
    out = _app(p, path) + _currency(p, path)
    out += _identity(p.payer_id_type, p.payer_id_number, "payerIdType", "payerIdNumber", path)
    if p.amount_paid <= _ZERO:
        out.append(_p(f"{path}/amountPaid", "AMOUNT", "amountPaid must be positive"))
    out += _time(p.pay_time, "payTime", path, 14)
    return out


def waybill_problems(w: LogisticsHead,
                     path: str = "/CEB511Message/Logistics[1]/LogisticsHead") -> list[Problem]:
    """CEB511 waybill: currency, packNo 1, weight, fees."""
    out = _app(w, path) + _currency(w, path)
    if w.pack_no != 1:
        out.append(_p(f"{path}/packNo", "PACK_NO", f"packNo is limited to 1, not {w.pack_no}"))
    if w.weight <= _ZERO:
        out.append(_p(f"{path}/weight", "WEIGHT", "weight must be positive"))
    out += _non_negative(w, ("freight", "insured_fee"), path)
    return out


def status_problems(s: LogisticsStatus,
                    path: str = "/CEB513Message/LogisticsStatus[1]") -> list[Problem]:
    """CEB513 waybill status: only S (signed for) exists; logisticsTime format."""
    out = _app(s, path)
    if s.logistics_status != "S":
        out.append(_p(f"{path}/logisticsStatus", "LOGISTICS_STATUS",
                      f"logisticsStatus is limited to S (delivered), not {s.logistics_status}"))
    out += _time(s.logistics_time, "logisticsTime", path, 14)
    return out


def inventory_problems(inv: Inventory,
                       path: str = "/CEB621Message/Inventory[1]") -> list[Problem]:
    """CEB621 inventory: codes, identity, 1210/9610 fields, lines, legal units."""
    h: InventoryHead = inv.head
    hp = f"{path}/InventoryHead"
    out = _app(h, hp) + _currency(h, hp)
    out += _identity(h.buyer_id_type, h.buyer_id_number, "buyerIdType", "buyerIdNumber", hp)
    out += _time(h.decl_time, "declTime", hp, 8) + _time(h.ie_date, "ieDate", hp, 8)
    if h.ie_flag != "I":
        out.append(_p(f"{hp}/ieFlag", "IE_FLAG", "ieFlag must be I (import)"))
    if not h.cop_no:
        out.append(_p(f"{hp}/copNo", "COP_NO",
                      "copNo missing: receipts (CEB622) are keyed on it"))
    if h.pack_no != 1:
        out.append(_p(f"{hp}/packNo", "PACK_NO", f"packNo is limited to 1, not {h.pack_no}"))
    out += _non_negative(h, ("freight", "insured_fee"), hp)
    if h.gross_weight <= _ZERO or h.net_weight <= _ZERO or h.net_weight > h.gross_weight:
        out.append(_p(f"{hp}/netWeight", "WEIGHT",
                      "weights must be positive and netWeight ≤ grossWeight"))
    if h.trade_mode not in TRADE_MODES:
        out.append(_p(f"{hp}/tradeMode", "TRADE_MODE",
                      f"tradeMode must be 1210 (bonded) or 9610 (direct), not {h.trade_mode}"))
    if h.trade_mode == "1210":
        for tag, value in (("emsNo", h.ems_no), ("areaCode", h.area_code),
                           ("areaName", h.area_name)):
            if not value:
                out.append(_p(f"{hp}/{tag}", "BONDED_FIELDS", f"{tag} is required for 1210"))
        if h.country != CNY:
            out.append(_p(f"{hp}/country", "COUNTRY", "country must be 142 for 1210"))
    elif h.trade_mode == "9610":
        for tag, value in (("trafNo", h.traf_no), ("voyageNo", h.voyage_no),
                           ("billNo", h.bill_no)):
            if not value:
                out.append(_p(f"{hp}/{tag}", "DIRECT_FIELDS", f"{tag} is required for 9610"))
    out += _max_lines(len(inv.lines), path)
    out += _gnums([ln.gnum for ln in inv.lines], f"{path}/InventoryList", "gnum")
    for i, ln in enumerate(inv.lines, 1):
        lp = f"{path}/InventoryList[{i}]"
        out += _currency(ln, lp) + _inventory_line(ln, lp, bonded=h.trade_mode == "1210")
    return out


def _gcode(gcode: str, lp: str) -> list[Problem]:
    if len(gcode) != 10 or not gcode.isdigit():
        return [_p(f"{lp}/gcode", "GCODE", f"gcode must be 10 digits, not {gcode!r}")]
    return []


def _inventory_line(ln: InventoryLine, lp: str, *, bonded: bool) -> list[Problem]:
    out = _gcode(ln.gcode, lp) + _line_total(ln.qty, ln.price, ln.total_price, lp)
    if bonded and not ln.item_record_no:
        out.append(_p(f"{lp}/itemRecordNo", "BONDED_FIELDS",
                      "itemRecordNo (e-account book record) is required for 1210"))
    if ln.qty1 <= _ZERO:
        out.append(_p(f"{lp}/qty1", "QTY", "qty1 (legal quantity) must be positive"))
    if ln.unit1 == ln.unit and ln.qty1 != ln.qty:
        out.append(_p(f"{lp}/qty1", "QTY1_UNIT",
                      f"unit1 equals unit {ln.unit}, so qty1 must equal qty {ln.qty}"))
    if ln.unit2 == ln.unit and ln.qty2 is not None and ln.qty2 != ln.qty:
        out.append(_p(f"{lp}/qty2", "QTY1_UNIT",
                      f"unit2 equals unit {ln.unit}, so qty2 must equal qty {ln.qty}"))
    if (ln.unit2 is None) != (ln.qty2 is None) or (ln.qty2 is not None and ln.qty2 <= _ZERO):
        out.append(_p(f"{lp}/qty2", "QTY2_UNIT2",
                      "qty2 and unit2 go together, with qty2 > 0 (or both empty)"))
    return out


def cancel_problems(c: InvtCancel, path: str = "/CEB623Message/InvtCancel[1]") -> list[Problem]:
    """CEB623 cancellation: appType 1 only, identity, copNo."""
    out = _app(c, path)
    if c.app_type != "1":
        out.append(_p(f"{path}/appType", "CANCEL_APP_TYPE", "a cancellation allows appType 1 only"))
    out += _identity(c.buyer_id_type, c.buyer_id_number, "buyerIdType", "buyerIdNumber", path)
    if not c.cop_no:
        out.append(_p(f"{path}/copNo", "COP_NO", "copNo missing: receipts are keyed on it"))
    return out


def refund_problems(r: InvtRefund, path: str = "/CEB625Message/InvtRefund[1]") -> list[Problem]:
    """CEB625 return: identity, copNo, lines (unique gnum, 10-digit gcode, qty > 0)."""
    h: InvtRefundHead = r.head
    hp = f"{path}/InvtRefundHead"
    out = _app(h, hp)
    out += _identity(h.buyer_id_type, h.buyer_id_number, "buyerIdType", "buyerIdNumber", hp)
    if not h.cop_no:
        out.append(_p(f"{hp}/copNo", "COP_NO", "copNo missing: receipts are keyed on it"))
    out += _max_lines(len(r.lines), path)
    seen: set[int] = set()
    for i, ln in enumerate(r.lines, 1):
        lp = f"{path}/InvtRefundList[{i}]"
        out += _gcode(ln.gcode, lp)
        if ln.gnum in seen:
            out.append(_p(f"{lp}/gnum", "GNUM", f"gnum {ln.gnum} appears twice"))
        seen.add(ln.gnum)
        if ln.qty <= _ZERO:
            out.append(_p(f"{lp}/qty", "QTY", "returned qty must be positive"))
    return out


_PER_RECORD = {
    "CEB311Message": ("Order", order_problems),
    "CEB411Message": ("Payment", lambda p, path: payment_problems(p, f"{path}/PaymentHead")),
    "CEB511Message": ("Logistics", lambda w, path: waybill_problems(w, f"{path}/LogisticsHead")),
    "CEB513Message": ("LogisticsStatus", status_problems),
    "CEB621Message": ("Inventory", inventory_problems),
    "CEB623Message": ("InvtCancel", cancel_problems),
    "CEB625Message": ("InvtRefund", refund_problems),
}


def message_problems(msg: Message) -> list[Problem]:
    """Every rule one message allows checking (receipts: none beyond the XSD).
    Includes SIGNATURE: a declared (appStatus 2) CEB621/623/625 must be signed."""
    mtype = msg.message_type
    out: list[Problem] = []
    root = f"/{mtype}"
    if len(msg.guid) != 36 or msg.guid != msg.guid.upper():
        out.append(_p(f"{root}/@guid", "GUID", "message guid must be 36 characters, upper case"))
    entry = _PER_RECORD.get(mtype)
    if entry is not None:
        tag, check = entry
        for i, rec in enumerate(msg.records, 1):
            out += check(rec, f"{root}/{tag}[{i}]")  # type: ignore[operator]
    if mtype in SIGNED_TYPES and not msg.signed:
        declared = any(getattr(getattr(r, "head", r), "app_status", "2") == "2"
                       for r in msg.records)
        if declared:
            out.append(_p(f"{root}/Signature", "SIGNATURE",
                          f"{mtype} with appStatus 2 must carry ds:Signature"))
    return out


# ------------------------------------------------------------ across documents


def check_order_payment(order: Order, payment: PaymentHead) -> list[Problem]:
    """Order ↔ payment (三单): same orderNo/ebpCode, acturalPaid == amountPaid, and
    the payer is the buyer (real-name: buyer and payer must be the same person)."""
    hp, pp = "/CEB311Message/Order/OrderHead", "/CEB411Message/Payment/PaymentHead"
    h = order.head
    out = []
    for tag, a, b in (("orderNo", h.order_no, payment.order_no),
                      ("ebpCode", h.ebp_code, payment.ebp_code)):
        if a != b:
            out.append(_p(f"{pp}/{tag}", "KEY_MATCH", f"{tag} {b!r} ≠ order's {a!r}"))
    if h.actural_paid != payment.amount_paid:
        out.append(_p(f"{hp}/acturalPaid", "PAID_MATCH",
                      f"acturalPaid {h.actural_paid} ≠ payment amountPaid {payment.amount_paid}"))
    if (ric.compact(h.buyer_id_number) != ric.compact(payment.payer_id_number)
            or h.buyer_name != payment.payer_name):
        out.append(_p(f"{pp}/payerIdNumber", "PAYER_BUYER",
                      "payer (name, ID number) is not the order's buyer"))
    if h.pay_transaction_id and h.pay_transaction_id != payment.pay_transaction_id:
        out.append(_p(f"{pp}/payTransactionId", "KEY_MATCH",
                      "payTransactionId differs from the one on the order"))
    return out


def check_order_waybill(order: Order, waybill: LogisticsHead) -> list[Problem]:
    """Order ↔ waybill: same orderNo; consignee name, telephone, address equal."""
    wp = "/CEB511Message/Logistics/LogisticsHead"
    h = order.head
    out = []
    if h.order_no != waybill.order_no:
        out.append(_p(f"{wp}/orderNo", "KEY_MATCH",
                      f"orderNo {waybill.order_no!r} ≠ order's {h.order_no!r}"))
    for tag, a, b in (("consignee", h.consignee, waybill.consignee),
                      ("consigneeTelephone", h.consignee_telephone, waybill.consignee_telephone),
                      ("consigneeAddress", h.consignee_address, waybill.consignee_address)):
        if a != b:
            out.append(_p(f"{wp}/{tag}", "CONSIGNEE_MATCH", f"{tag} differs from the order's"))
    return out


def check_inventory_order(inv: Inventory, order: Order) -> list[Problem]:
    """Inventory ↔ order: platform, seller, buyer, and lines one-to-one by gnum with
    the same name, quantity, unit and total."""
    ip = "/CEB621Message/Inventory/InventoryHead"
    h, o = inv.head, order.head
    out = []
    for tag, a, b in (("orderNo", o.order_no, h.order_no), ("ebpCode", o.ebp_code, h.ebp_code),
                      ("ebcCode", o.ebc_code, h.ebc_code),
                      ("buyerIdType", o.buyer_id_type, h.buyer_id_type),
                      ("buyerIdNumber", ric.compact(o.buyer_id_number),
                       ric.compact(h.buyer_id_number)),
                      ("buyerName", o.buyer_name, h.buyer_name)):
        if a != b:
            out.append(_p(f"{ip}/{tag}", "KEY_MATCH", f"{tag} differs from the order's"))
    order_lines = {ln.gnum: ln for ln in order.lines}
    if sorted(order_lines) != sorted(ln.gnum for ln in inv.lines):
        out.append(_p("/CEB621Message/Inventory/InventoryList", "LINE_MATCH",
                      "inventory lines do not correspond one-to-one (gnum) with order lines"))
    for i, ln in enumerate(inv.lines, 1):
        ol = order_lines.get(ln.gnum)
        if ol is None:
            continue
        lp = f"/CEB621Message/Inventory/InventoryList[{i}]"
        pairs: tuple[tuple[str, object, object], ...] = (
            ("gname", ol.item_name, ln.gname), ("qty", ol.qty, ln.qty),
            ("unit", ol.unit, ln.unit), ("totalPrice", ol.total_price, ln.total_price))
        for name, ordered, declared in pairs:
            if ordered != declared:
                out.append(_p(f"{lp}/{name}", "LINE_MATCH",
                              f"{name} {declared} ≠ order line {ln.gnum}'s {ordered}"))
    return out


def check_inventory_waybill(inv: Inventory, waybill: LogisticsHead) -> list[Problem]:
    """Inventory ↔ waybill: logisticsCode + logisticsNo (+ orderNo)."""
    ip = "/CEB621Message/Inventory/InventoryHead"
    h = inv.head
    return [_p(f"{ip}/{tag}", "KEY_MATCH", f"{tag} differs from the waybill's")
            for tag, a, b in (("logisticsCode", waybill.logistics_code, h.logistics_code),
                              ("logisticsNo", waybill.logistics_no, h.logistics_no),
                              ("orderNo", waybill.order_no, h.order_no)) if a != b]


def check_refund_inventory(refund: InvtRefund, inv: Inventory) -> list[Problem]:
    """Return ↔ original inventory: same invtNo/orderNo; each returned line exists
    (gnum + gcode) and its qty does not exceed the original (-625209)."""
    rp = "/CEB625Message/InvtRefund"
    out = []
    for tag, a, b in (("invtNo", inv.head.invt_no, refund.head.invt_no),
                      ("orderNo", inv.head.order_no, refund.head.order_no)):
        if a != b:
            out.append(_p(f"{rp}/InvtRefundHead/{tag}", "KEY_MATCH",
                          f"{tag} differs from the original inventory's"))
    original = {ln.gnum: ln for ln in inv.lines}
    for i, ln in enumerate(refund.lines, 1):
        lp = f"{rp}/InvtRefundList[{i}]"
        orig = original.get(ln.gnum)
        if orig is None or orig.gcode != ln.gcode:
            out.append(_p(f"{lp}/gnum", "REFUND_LINE",
                          f"line {ln.gnum}/{ln.gcode} is not in the original inventory"))
        elif ln.qty > orig.qty:
            out.append(_p(f"{lp}/qty", "REFUND_QTY",
                          f"returned qty {ln.qty} exceeds the declared {orig.qty}"))
    return out


@dataclass(frozen=True)
class LegalUnits:
    """A SKU's legal (statutory) units for its HS code and how many legal units one
    selling unit makes, e.g. a 400 g can: unit1 035 (kg), per_unit1 0.4."""

    unit1: str
    per_unit1: Decimal
    unit2: str | None = None
    per_unit2: Decimal | None = None


_Q5 = Decimal("0.00001")


def legal_quantities(qty: Decimal, units: LegalUnits) -> tuple[Decimal, Decimal | None]:
    """(qty1, qty2) for ``qty`` selling units, at the 5 decimals the XSD allows."""
    qty1 = (qty * units.per_unit1).quantize(_Q5, ROUND_HALF_UP).normalize()
    qty2 = None
    if units.unit2 is not None and units.per_unit2 is not None:
        qty2 = (qty * units.per_unit2).quantize(_Q5, ROUND_HALF_UP).normalize()
    return qty1, qty2


def check_legal_quantities(inv: Inventory, units_by_item: Mapping[str, LegalUnits],
                           ) -> list[Problem]:
    """qty1/unit1 (and qty2/unit2) agree with each SKU's conversion; lines are
    matched by ``itemNo`` (the SKU code), lines without a known itemNo are skipped."""
    out = []
    for i, ln in enumerate(inv.lines, 1):
        units = units_by_item.get(ln.item_no or "")
        if units is None:
            continue
        lp = f"/CEB621Message/Inventory/InventoryList[{i}]"
        qty1, qty2 = legal_quantities(ln.qty, units)
        if ln.unit1 != units.unit1 or ln.qty1 != qty1:
            out.append(_p(f"{lp}/qty1", "LEGAL_QTY",
                          f"qty1/unit1 {ln.qty1}/{ln.unit1} ≠ {qty1}/{units.unit1} "
                          f"from the SKU's conversion"))
        if ln.unit2 != units.unit2 or ln.qty2 != qty2:
            out.append(_p(f"{lp}/qty2", "LEGAL_QTY",
                          f"qty2/unit2 {ln.qty2}/{ln.unit2} ≠ {qty2}/{units.unit2} "
                          f"from the SKU's conversion"))
    return out
