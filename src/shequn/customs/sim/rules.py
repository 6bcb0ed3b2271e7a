"""Customs-side checks the schema cannot express: ID checksum, three-document
matching, the CBEC limits and the tax bill (specs/cbec-customs.md §1, §3, §4).

Pure functions over the ``{localName: text}`` records ``xmlio.fields`` returns.
Each check returns a list of problems in Chinese, the language of customs'
``returnInfo``; an empty list means the check passed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from stdnum.cn import ric

from shequn.customs.sim.xmlio import Record

CENT = Decimal("0.01")
CNY = "142"


def money(text: str | None) -> Decimal | None:
    try:
        return Decimal((text or "").strip())
    except InvalidOperation:
        return None


def fmt(amount: Decimal) -> str:
    """Amounts as customs shows them: two places."""
    return str(amount.quantize(CENT, ROUND_HALF_UP))


def id_problem(number: str) -> str | None:
    """GB 11643 checksum and birth date are hard rules; the region table of
    python-stdnum is not (a stale table must not reject a real person, see §4)."""
    value = ric.compact(number or "")
    if len(value) != 18 or not value[:17].isdigit():
        return f"订购人身份证件号码[{mask_id(number)}]格式不正确"
    if ric.calc_check_digit(value) != value[17]:  # takes the full 18 characters
        return f"订购人身份证件号码[{mask_id(number)}]校验位错误"
    try:
        born = dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return f"订购人身份证件号码[{mask_id(number)}]出生日期无效"
    if born > dt.date.today():
        return f"订购人身份证件号码[{mask_id(number)}]出生日期无效"
    return None


def mask_id(number: str) -> str:
    """Keep ID numbers out of receipts and logs in full (PII)."""
    number = number or ""
    return number[:3] + "*" * max(len(number) - 7, 0) + number[-4:] if len(number) > 7 else "***"


def order_problems(head: Record, lines: list[Record]) -> list[str]:
    """CEB311 parameter checks (-301008 参数校验不通过)."""
    out: list[str] = []
    if head.get("currency") != CNY:
        out.append("币制[currency]限定为142")
    if head.get("buyerIdType") != "1":
        out.append("订购人证件类型[buyerIdType]限定为1")
    if head.get("orderType") != "I":
        out.append("订单类型[orderType]限定为I")
    gv, fr, disc, tax, paid = (money(head.get(k)) for k in (
        "goodsValue", "freight", "discount", "taxTotal", "acturalPaid"))
    if None in (gv, fr, disc, tax, paid):
        out.append("金额字段格式不正确")
    elif gv + fr + tax - disc != paid:  # type: ignore[operator]
        out.append(f"实际支付金额[{paid}]不等于商品价格+运杂费+代扣税款-非现金抵扣金额")
    out += line_problems(lines, "itemName")
    gnums = [line.get("gnum") for line in lines]
    if gnums != [str(i) for i in range(1, len(lines) + 1)]:
        out.append("商品序号[gnum]应从1开始连续")
    total = sum((money(line.get("totalPrice")) or Decimal(0) for line in lines), Decimal(0))
    if gv is not None and total != gv:
        out.append(f"表体总价合计[{total}]与商品价格[goodsValue={gv}]不一致")
    return out


def line_problems(lines: list[Record], name_field: str) -> list[str]:
    out: list[str] = []
    for line in lines:
        qty, price, total = (money(line.get(k)) for k in ("qty", "price", "totalPrice"))
        gnum = line.get("gnum")
        if line.get("currency") != CNY:
            out.append(f"第{gnum}项币制限定为142")
        if qty is None or price is None or total is None:
            out.append(f"第{gnum}项数量或价格格式不正确")
        elif (price * qty).quantize(CENT, ROUND_HALF_UP) != total.quantize(CENT, ROUND_HALF_UP):
            out.append(f"第{gnum}项总价[{total}]不等于单价[{price}]乘以数量[{qty}]")
        if not line.get(name_field) and name_field == "gname":
            out.append(f"第{gnum}项商品名称为空")
    return out


def payment_problems(head: Record) -> list[str]:
    out: list[str] = []
    if head.get("currency") != CNY:
        out.append("币制[currency]限定为142")
    if head.get("payerIdType") != "1":
        out.append("支付人证件类型[payerIdType]限定为1")
    if money(head.get("amountPaid")) is None:
        out.append("支付金额格式不正确")
    return out


def waybill_problems(head: Record) -> list[str]:
    out: list[str] = []
    if head.get("currency") != CNY:
        out.append("币制[currency]限定为142")
    if head.get("packNo") != "1":
        out.append("件数[packNo]限定为1")
    return out


def inventory_problems(head: Record, lines: list[Record]) -> list[str]:
    """Rules on the inventory alone (currency, packNo, trade-mode fields, lines)."""
    out: list[str] = []
    if head.get("currency") != CNY:
        out.append("币制[currency]限定为142")
    if head.get("buyerIdType") != "1":
        out.append("订购人证件类型[buyerIdType]限定为1")
    if head.get("ieFlag") != "I":
        out.append("进出口标记[ieFlag]限定为I")
    if head.get("packNo") != "1":
        out.append("件数[packNo]限定为1")
    mode = head.get("tradeMode")
    if mode == "1210":
        if not head.get("emsNo") or not head.get("areaCode"):
            out.append("保税进口[1210]账册编号[emsNo]与区内企业[areaCode]必填")
        if head.get("country") != CNY:
            out.append("保税进口[1210]起运国[country]填写142")
        if any(not line.get("itemRecordNo") for line in lines):
            out.append("保税进口[1210]账册备案料号[itemRecordNo]必填")
    elif mode == "9610":
        if not (head.get("trafNo") and head.get("voyageNo") and head.get("billNo")):
            out.append("直购进口[9610]运输工具编号、航班航次号、提运单号必填")
    else:
        out.append(f"贸易方式[tradeMode={mode}]应为9610或1210")
    out += line_problems(lines, "gname")
    for line in lines:
        if len(line.get("gcode", "")) != 10 or not line.get("gcode", "").isdigit():
            out.append(f"第{line.get('gnum')}项商品编码[gcode]应为10位数字")
    return out


@dataclass(frozen=True)
class Documents:
    """The three source documents an inventory is matched against (may be absent)."""

    order: Record | None
    order_lines: list[Record]
    payment: Record | None
    waybill: Record | None


def matching_problems(head: Record, lines: list[Record], docs: Documents,
                      payer_must_be_buyer: bool = True) -> list[str]:
    """三单对碰: order ↔ payment ↔ waybill ↔ inventory (specs §3)."""
    out: list[str] = []
    order, payment, waybill = docs.order, docs.payment, docs.waybill
    ref = f"[电商平台代码：{head.get('ebpCode')}，订单编号：{head.get('orderNo')}]"
    if order is None:
        out.append(f"电子订单不存在或未入库{ref}")
    if payment is None:
        out.append(f"支付凭证不存在或未入库{ref}")
    if waybill is None:
        out.append(f"物流运单不存在或未入库[物流企业代码：{head.get('logisticsCode')}，"
                   f"运单编号：{head.get('logisticsNo')}]")
    if order is not None:
        for key, label in (("ebcCode", "电商企业代码"), ("buyerIdNumber", "订购人证件号码"),
                           ("buyerName", "订购人姓名"), ("consigneeAddress", "收件地址")):
            if head.get(key) != order.get(key):
                out.append(f"清单{label}[{key}]与电子订单不一致")
        by_gnum = {line.get("gnum", ""): line for line in docs.order_lines}
        if sorted(by_gnum) != sorted(line.get("gnum", "") for line in lines):
            out.append("清单表体序号[gnum]与电子订单表体不一一对应")
        for line in lines:
            src = by_gnum.get(line.get("gnum", ""))
            if src is None:
                continue
            gnum = line.get("gnum")
            if line.get("gname") != src.get("itemName"):
                out.append(f"清单第{gnum}项商品名称[gname]与电子订单不一致")
            if money(line.get("qty")) != money(src.get("qty")):
                out.append(f"清单第{gnum}项数量[qty]与电子订单不一致")
            if money(line.get("totalPrice")) != money(src.get("totalPrice")):
                out.append(f"清单第{gnum}项总价[totalPrice]与电子订单不一致")
    if order is not None and payment is not None:
        paid, amount = money(order.get("acturalPaid")), money(payment.get("amountPaid"))
        if paid != amount:
            out.append(f"电子订单实际支付金额[{paid}]与支付凭证支付金额[{amount}]不一致")
        if payer_must_be_buyer and (
                payment.get("payerIdNumber") != order.get("buyerIdNumber")
                or payment.get("payerName") != order.get("buyerName")):
            out.append("支付人与订购人身份信息不一致")
        if order.get("payTransactionId") and (
                order.get("payTransactionId") != payment.get("payTransactionId")):
            out.append("电子订单支付交易编号与支付凭证不一致")
    if order is not None and waybill is not None:
        if waybill.get("orderNo") != order.get("orderNo"):
            out.append("物流运单订单编号与电子订单不一致")
        for key, label in (("consignee", "收货人"), ("consigneeTelephone", "收货人电话"),
                           ("consigneeAddress", "收货地址")):
            if waybill.get(key) != order.get(key):
                out.append(f"电子订单{label}[{key}]与物流运单不一致")
    return out


def taxable_price(head: Record, lines: list[Record]) -> Decimal:
    """完税价格 P = goods (line totals) + freight + insurance, as the inventory declares."""
    goods = sum((money(line.get("totalPrice")) or Decimal(0) for line in lines), Decimal(0))
    return goods + (money(head.get("freight")) or Decimal(0)) + (
        money(head.get("insuredFee")) or Decimal(0))


def sole_item(lines: list[Record]) -> bool:
    """订单下仅一件商品: one line with quantity 1 (49号 sole-item exception)."""
    return len(lines) == 1 and money(lines[0].get("qty")) == Decimal(1)


def _rate(rates: Mapping[str, str], gcode: str, default: str) -> Decimal:
    # Longest matching HS prefix wins, so "3304" can be refined by "330499".
    best = max((p for p in rates if gcode.startswith(p)), key=len, default=None)
    return Decimal(rates[best] if best is not None else default)


def tax_lines(head: Record, lines: list[Record], *, full: bool, vat_rate: str,
              ct_rates: Mapping[str, str], tariff_rates: Mapping[str, str],
              vat_rates: Mapping[str, str] | None = None) -> list[Record]:
    """Per-line tax (§1.2): freight and insurance apportioned pro-rata by value (the
    last line takes the remainder), each tax rounded to 0.01 HALF_UP. Within the
    limits tariff is 0 and VAT/CT are collected at 70%; ``full`` (sole item over the
    single limit) collects everything at the statutory rates."""
    extra = (money(head.get("freight")) or Decimal(0)) + (money(head.get("insuredFee"))
                                                          or Decimal(0))
    goods = [money(line.get("totalPrice")) or Decimal(0) for line in lines]
    total = sum(goods, Decimal(0))
    shares: list[Decimal] = []
    for i, value in enumerate(goods):
        if i == len(goods) - 1:
            shares.append(extra - sum(shares, Decimal(0)))
        else:
            shares.append((extra * value / total).quantize(CENT, ROUND_HALF_UP)
                          if total else Decimal(0))
    factor = Decimal(1) if full else Decimal("0.7")
    out: list[Record] = []
    for line, value, share in zip(lines, goods, shares, strict=True):
        gcode = line.get("gcode", "")
        price = value + share
        tariff = price * _rate(tariff_rates, gcode, "0") if full else Decimal(0)
        tc, tv = _rate(ct_rates, gcode, "0"), _rate(vat_rates or {}, gcode, vat_rate)
        ct_statutory = (price + tariff) / (1 - tc) * tc
        vat = (price + tariff + ct_statutory) * tv * factor
        out.append({"gnum": line.get("gnum", ""), "gcode": gcode, "taxPrice": fmt(price),
                    "customsTax": fmt(tariff), "valueAddedTax": fmt(vat),
                    "consumptionTax": fmt(ct_statutory * factor)})
    return out
