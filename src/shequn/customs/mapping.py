"""Shequn's models → CEB dataclasses (the only customs module that reads Django
models). Personal data is decrypted here only to put it into the message.

Identities not held on a model come from ``settings.SHEQUN`` (with demo defaults):
``PLATFORM_EBP_CODE`` / ``PLATFORM_EBP_NAME`` (ebp), ``CEB_DXP_ID`` (BaseTransfer),
``CEB_PAY_CODE`` / ``CEB_PAY_NAME`` (payment enterprise), ``CEB_TRAF_MODE_1210`` /
``CEB_TRAF_MODE_9610``. What the models do not hold: a carrier / waybill (the
logistics party and number are parameters) and the e-account-book record number
per SKU and warehouse (``itemRecordNo`` falls back to the SKU code).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings

from shequn.catalog.models import SKU, Organization
from shequn.core import pii, regions
from shequn.customs.ceb import model as ceb
from shequn.customs.ceb.rules import LegalUnits, legal_quantities
from shequn.orders.models import Order, OrderLine
from shequn.payments.models import Payment

_Q5 = Decimal("0.00001")
_DEFAULTS: dict[str, str] = {
    "PLATFORM_EBP_CODE": "3301960SQP",
    "PLATFORM_EBP_NAME": "社群跨境电商平台",
    "CEB_DXP_ID": "DXPENT0000000001",
    "CEB_PAY_CODE": "312226T001",
    "CEB_PAY_NAME": "社群支付（模拟）",
    "CEB_TRAF_MODE_1210": "Y",  # 1210: second-line exit from the bonded zone [S]
    "CEB_TRAF_MODE_9610": "5",  # 9610: air [S]
}


class MappingError(ValueError):
    """The order cannot be expressed as a customs message (data missing or wrong)."""


@dataclass(frozen=True)
class Party:
    """An enterprise on a message: customs registration code + name."""

    code: str
    name: str

    @classmethod
    def of(cls, org: Organization) -> Party:
        if not org.customs_code:
            raise MappingError(f"organization {org.pk} {org.name} has no customs code")
        return cls(code=org.customs_code, name=org.name)


def conf(key: str) -> str:
    return str(getattr(settings, "SHEQUN", {}).get(key) or _DEFAULTS[key])


# WeChat Pay's payment enterprise (财付通), which pushes the CEB411 of orders paid
# with WeChat Pay (specs/wechat-channel.md §4.1).
WECHATPAY = "wechatpay"
TENPAY = ("4403169D3W", "财付通支付科技有限公司")
# Demo identities (WeChat's documented sample merchant); real values come from
# the environment (SHEQUN_WECHATPAY_*; core.envconfig checks them outside demo).
_WECHATPAY_DEMO = {"appid": "wxd678efh567hg6787", "mch_id": "1230000109",
                   "customs": "HANGZHOU_ZS", "mch_customs_no": "3301960SQP"}


def wechatpay_customs() -> dict[str, Any]:
    """The WeChat Pay customs-declaration settings, read defensively: appid and
    mch_id are the WeChat Pay adapter's (SHEQUN_WECHATPAY_APPID / _MCHID, in
    ``SHEQUN`` or only in the environment)."""
    import os

    shequn = getattr(settings, "SHEQUN", {})

    def get(key: str, env: str, default: str = "") -> str:
        return str(shequn.get(key) or os.environ.get(env) or default).strip()

    # The WeChat Pay adapter's settings (payments.wechatpay.config): the appid is the
    # official account's unless set apart.
    pay = shequn.get("WECHATPAY") or {}
    appid = str(pay.get("APPID") or (shequn.get("WECHAT") or {}).get("APPID") or "")
    mch_id = str(pay.get("MCHID") or "")
    return {
        "appid": appid.strip() or get("WECHATPAY_APPID", "SHEQUN_WECHATPAY_APPID",
                                      _WECHATPAY_DEMO["appid"]),
        "mch_id": mch_id.strip() or get("WECHATPAY_MCHID", "SHEQUN_WECHATPAY_MCHID",
                                        _WECHATPAY_DEMO["mch_id"]),
        "customs": get("WECHATPAY_CUSTOMS", "SHEQUN_WECHATPAY_CUSTOMS",
                       _WECHATPAY_DEMO["customs"]),
        "mch_customs_no": get("WECHATPAY_MCH_CUSTOMS_NO", "SHEQUN_WECHATPAY_MCH_CUSTOMS_NO",
                              _WECHATPAY_DEMO["mch_customs_no"]),
        "key": get("WECHATPAY_V2_KEY", "SHEQUN_WECHATPAY_V2_KEY"),
        "sign_type": get("WECHATPAY_V2_SIGN_TYPE", "SHEQUN_WECHATPAY_V2_SIGN_TYPE", "MD5"),
        "url": get("WECHATPAY_CUSTOMS_URL", "SHEQUN_WECHATPAY_CUSTOMS_URL", "embedded"),
        "poll_seconds": _int(get("WECHATPAY_CUSTOMS_POLL_SECONDS",
                                 "SHEQUN_WECHATPAY_CUSTOMS_POLL_SECONDS", "60"), 60),
    }


def _int(value: str, default: int) -> int:
    try:
        return int(value)
    except ValueError:
        return default


def pay_party_of(payment: Payment | None) -> Party:
    """The payment enterprise that declares ``payment``."""
    if payment is not None and payment.provider == WECHATPAY:
        return Party(*TENPAY)
    return Party(conf("CEB_PAY_CODE"), conf("CEB_PAY_NAME"))


def platform() -> Party:
    return Party(conf("PLATFORM_EBP_CODE"), conf("PLATFORM_EBP_NAME"))


def transfer(sender: Party | None = None) -> ceb.BaseTransfer:
    """``BaseTransfer`` for messages Shequn sends (copCode = the connecting
    enterprise; the platform unless a declaring agent connects itself)."""
    sender = sender or platform()
    return ceb.BaseTransfer(cop_code=sender.code, cop_name=sender.name,
                            dxp_id=conf("CEB_DXP_ID"))


def legal_units(sku: SKU) -> LegalUnits:
    return LegalUnits(unit1=sku.legal_unit1, per_unit1=sku.legal_qty1_per_unit,
                      unit2=sku.legal_unit2 or None,
                      per_unit2=sku.legal_qty2_per_unit if sku.legal_unit2 else None)


def legal_units_by_item(order: Order) -> dict[str, LegalUnits]:
    """{SKU code: legal units} for ``rules.check_legal_quantities``."""
    return {ln.sku.code: legal_units(ln.sku) for ln in _lines(order)}


def _lines(order: Order) -> list[OrderLine]:
    return list(order.lines.select_related("sku__product").order_by("gnum"))


def _price_total(line: OrderLine) -> tuple[Decimal, Decimal]:
    """Declared unit price and line total. For tax-inclusive (包税) lines the
    declared value is the net goods value, so the price is derived from it."""
    if line.goods_value == line.total_price:
        return line.unit_price, line.total_price
    total = line.goods_value
    # The tax engine splits 包税 prices per unit, so this division is exact.
    return (total / line.qty).quantize(_Q5, ROUND_HALF_UP), total


def _succeeded_payment(order: Order) -> Payment | None:
    return order.payments.filter(state=Payment.State.SUCCEEDED).order_by("paid_at").first()


def order_message(order: Order, *, guid: str | None = None,
                  app_time: dt.datetime | None = None) -> ceb.Order:
    """CEB311 record for a placed (normally paid) order."""
    seller = Party.of(order.seller)
    ebp = platform()
    pay = _succeeded_payment(order)
    lines = []
    for ln in _lines(order):
        price, total = _price_total(ln)
        lines.append(ceb.OrderLine(
            gnum=ln.gnum, item_no=ln.sku.code, item_name=ln.name, gmodel=ln.gmodel,
            bar_code=ln.sku.gtin or None, unit=ln.sku.unit, qty=Decimal(ln.qty), price=price,
            total_price=total, country=ln.sku.product.origin_country))
    extra: dict[str, Any] = {"guid": guid} if guid else {}
    head = ceb.OrderHead(
        **extra, app_time=ceb.ceb_time(app_time), order_no=order.number,
        ebp_code=ebp.code, ebp_name=ebp.name, ebc_code=seller.code, ebc_name=seller.name,
        goods_value=order.goods_value, freight=order.freight, discount=order.discount,
        tax_total=order.tax_total, actural_paid=order.actual_paid,
        buyer_reg_no=str(order.user_id), buyer_name=order.buyer_name,
        buyer_telephone=pii.decrypt(order.buyer_phone_enc),
        buyer_id_number=pii.decrypt(order.buyer_id_enc),
        pay_code=pay_party_of(pay).code if pay else None,
        pay_name=pay_party_of(pay).name if pay else None,
        pay_transaction_id=(pay.provider_txn_id or pay.out_trade_no) if pay else None,
        consignee=order.consignee, consignee_telephone=pii.decrypt(order.consignee_phone_enc),
        consignee_address=order.address, consignee_district=_district_today(order.district_code))
    return ceb.Order(head=head, lines=tuple(lines))


def _district_today(code: str) -> str | None:
    """The consignee district code customs accept today: an order placed before
    the region data was updated may hold a code since abolished or renamed
    (core.regions.ALIASES), which is declared as its current code."""
    region = regions.current(code)
    return region.code if region is not None else (code or None)


def payment_message(payment: Payment, *, app_time: dt.datetime | None = None,
                    ) -> ceb.PaymentHead:
    """CEB411 record for a succeeded payment (what the provider declares). Only the
    payer's ID hash is stored, so the payer must be the order's buyer (real-name)."""
    order = payment.order
    if payment.state != Payment.State.SUCCEEDED or payment.paid_at is None:
        raise MappingError(f"payment {payment.out_trade_no} has not succeeded")
    # The provider's verified payer must be the buyer (customs matches them): a
    # payment that reported no payer, or someone else, cannot be declared.
    # WeChat Pay reports no payer identity: it checks the one we send against
    # its real-name record itself (cert_check_result, customs.paydecl).
    wechat = payment.provider == WECHATPAY and not payment.payer_id_hash
    if not wechat and (not payment.payer_id_hash
                       or payment.payer_id_hash != order.buyer_id_hash):
        raise MappingError(f"payment {payment.out_trade_no}: payer is not the buyer")
    ebp = platform()
    party = pay_party_of(payment)
    return ceb.PaymentHead(
        app_time=ceb.ceb_time(app_time), pay_code=party.code, pay_name=party.name,
        pay_transaction_id=payment.provider_txn_id or payment.out_trade_no,
        order_no=order.number, ebp_code=ebp.code, ebp_name=ebp.name,
        payer_id_number=pii.decrypt(order.buyer_id_enc),
        payer_name=payment.payer_name or order.buyer_name,
        telephone=pii.decrypt(order.buyer_phone_enc), amount_paid=payment.amount,
        pay_time=ceb.ceb_time(payment.paid_at))


def _weights(lines: list[OrderLine]) -> tuple[Decimal, Decimal]:
    gross = sum((ln.sku.gross_weight_kg * ln.qty for ln in lines), Decimal(0))
    net = sum((ln.sku.net_weight_kg * ln.qty for ln in lines), Decimal(0))
    return gross.quantize(_Q5), net.quantize(_Q5)


def waybill_message(order: Order, *, logistics_no: str, carrier: Party,
                    bill_no: str | None = None, app_time: dt.datetime | None = None,
                    ) -> ceb.LogisticsHead:
    """CEB511 record (what the carrier declares) for ``order`` under ``logistics_no``;
    the consignee triple is the order's, as customs requires."""
    lines = _lines(order)
    gross, _net = _weights(lines)
    names = "，".join(ln.name for ln in lines)
    return ceb.LogisticsHead(
        app_time=ceb.ceb_time(app_time), logistics_code=carrier.code,
        logistics_name=carrier.name, logistics_no=logistics_no, bill_no=bill_no,
        order_no=order.number, freight=order.freight, insured_fee=order.insurance,
        weight=gross, goods_info=names[:200] or None, consignee=order.consignee,
        consignee_address=order.address,
        consignee_telephone=pii.decrypt(order.consignee_phone_enc))


def inventory_message(order: Order, waybill: ceb.LogisticsHead, *, cop_no: str,
                      agent: Party | None = None, traf_no: str | None = None,
                      voyage_no: str | None = None, bill_no: str | None = None,
                      dispatch_country: str | None = None, guid: str | None = None,
                      app_time: dt.datetime | None = None) -> ceb.Inventory:
    """CEB621 record for ``order`` shipped under ``waybill``. ``cop_no`` is our
    number the receipts are keyed on (≤ 20 chars). The declaring agent defaults to
    the warehouse operator, else the seller. For 9610 pass the transport fields."""
    wh = order.warehouse
    seller = Party.of(order.seller)
    operator = wh.operator if wh.operator_id else None
    if agent is None:
        agent = Party.of(operator) if operator is not None else seller
    bonded = order.trade_mode == "1210"
    lines = _lines(order)
    gross, net = _weights(lines)
    inv_lines = []
    for ln in lines:
        price, total = _price_total(ln)
        qty = Decimal(ln.qty)
        qty1, qty2 = legal_quantities(qty, legal_units(ln.sku))
        inv_lines.append(ceb.InventoryLine(
            gnum=ln.gnum, item_record_no=ln.sku.code if bonded else None, item_no=ln.sku.code,
            item_name=ln.name, gcode=ln.sku.hs_code, gname=ln.name, gmodel=ln.gmodel,
            bar_code=ln.sku.gtin or "无", country=ln.sku.product.origin_country, qty=qty,
            unit=ln.sku.unit, qty1=qty1, unit1=ln.sku.legal_unit1, qty2=qty2,
            unit2=ln.sku.legal_unit2 or None, price=price, total_price=total))
    moment = app_time or dt.datetime.now(dt.UTC)
    extra: dict[str, Any] = {"guid": guid} if guid else {}
    ebp = platform()
    head = ceb.InventoryHead(
        **extra, app_time=ceb.ceb_time(moment), order_no=order.number, ebp_code=ebp.code,
        ebp_name=ebp.name, ebc_code=seller.code, ebc_name=seller.name,
        logistics_no=waybill.logistics_no, logistics_code=waybill.logistics_code,
        logistics_name=waybill.logistics_name, cop_no=cop_no, assure_code=seller.code,
        ems_no=wh.ems_no or None, decl_time=ceb.ceb_date(moment),
        customs_code=wh.customs_code, port_code=wh.customs_code,
        buyer_id_number=pii.decrypt(order.buyer_id_enc), buyer_name=order.buyer_name,
        buyer_telephone=pii.decrypt(order.buyer_phone_enc),
        consignee_address=order.address, agent_code=agent.code, agent_name=agent.name,
        area_code=(wh.area_code or None) if bonded else None,
        area_name=(operator.name if operator is not None else wh.name) if bonded else None,
        trade_mode=order.trade_mode,
        traf_mode=conf("CEB_TRAF_MODE_1210" if bonded else "CEB_TRAF_MODE_9610"),
        traf_no=traf_no, voyage_no=voyage_no, bill_no=bill_no or waybill.bill_no,
        country="142" if bonded else (dispatch_country or order.seller.country or "142"),
        freight=order.freight, insured_fee=order.insurance, gross_weight=gross,
        net_weight=net)
    return ceb.Inventory(head=head, lines=tuple(inv_lines))
