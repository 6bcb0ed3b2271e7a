"""Consistent, valid example documents (one purchase: order, payment, waybill,
inventory) for tests, the benchmark and the demo. Fake parties, valid ID checksum."""

from __future__ import annotations

import random
from decimal import Decimal

from stdnum.cn import ric

from .model import (
    BaseTransfer,
    Inventory,
    InventoryHead,
    InventoryLine,
    LogisticsHead,
    LogisticsStatus,
    Order,
    OrderHead,
    OrderLine,
    PaymentHead,
)

D = Decimal


def id_number(body17: str = "11010519900307123") -> str:
    """An 18-character resident ID number with a correct check character."""
    return body17 + ric.calc_check_digit(body17 + "0")


def transfer(cop_code: str = "3301960SQP", cop_name: str = "社群跨境平台") -> BaseTransfer:
    return BaseTransfer(cop_code=cop_code, cop_name=cop_name, dxp_id="DXPENT0000012345")


# (itemNo, name, gcode, unit, price, unit1, per_unit1)
_GOODS = [
    ("SKU-FORMULA-900", "婴儿配方奶粉 900克", "1901101000", "122", D("298.00"), "035", D("0.9")),
    ("SKU-SERUM-30", "精华液 30毫升", "3304990099", "142", D("480.00"), "035", D("0.05")),
    ("SKU-WATER-500", "矿泉水 500毫升", "2201101000", "142", D("4.10"), "095", D("0.5")),
    ("SKU-VITC-60", "维生素C片 60粒", "2106909090", "140", D("120.50"), "035", D("0.12")),
    ("SKU-BAG-1", "皮革手提包", "4202210090", "011", D("1999.00"), "011", D("1")),
]


_FREIGHT, _TAX, _NONE = D("10.00"), D("54.24"), D("0")


def order(order_no: str = "SQ202611240001", lines: int = 2, *, freight: Decimal = _FREIGHT,
          tax_total: Decimal = _TAX, discount: Decimal = _NONE,
          buyer_id: str | None = None, rng: random.Random | None = None) -> Order:
    """A valid CEB311 order with ``lines`` lines (goods cycle through a small list)."""
    order_lines = []
    for i in range(lines):
        item, name, _gcode, unit, price, _u1, _p1 = _GOODS[i % len(_GOODS)]
        qty = D(rng.randint(1, 3)) if rng else D(1 + i % 2)
        order_lines.append(OrderLine(gnum=i + 1, item_no=item, item_name=name,
                                     gmodel=f"{name}|品牌Demo|规格标准", unit=unit, qty=qty,
                                     price=price, total_price=price * qty, country="601"))
    goods = sum((ln.total_price for ln in order_lines), D(0))
    head = OrderHead(
        order_no=order_no, ebp_code="3301960SQP", ebp_name="社群跨境平台",
        ebc_code="3301960ABC", ebc_name="示例跨境电商企业", goods_value=goods, freight=freight,
        discount=discount, tax_total=tax_total,
        actural_paid=goods + freight + tax_total - discount, buyer_reg_no="buyer-0001",
        buyer_name="张三", buyer_telephone="13800138000",
        buyer_id_number=buyer_id or id_number(), pay_code="312226T001",
        pay_name="示例支付", pay_transaction_id=f"PAY{order_no}", consignee="张三",
        consignee_telephone="13800138000", consignee_address="浙江省杭州市西湖区文三路1号",
        consignee_district="330106")
    return Order(head=head, lines=tuple(order_lines))


def payment(o: Order) -> PaymentHead:
    """The CEB411 the payment provider sends for ``o``."""
    h = o.head
    return PaymentHead(pay_code=h.pay_code or "312226T001", pay_name=h.pay_name or "示例支付",
                       pay_transaction_id=h.pay_transaction_id or f"PAY{h.order_no}",
                       order_no=h.order_no, ebp_code=h.ebp_code, ebp_name=h.ebp_name,
                       payer_id_number=h.buyer_id_number, payer_name=h.buyer_name,
                       telephone=h.buyer_telephone, amount_paid=h.actural_paid,
                       pay_time="20261124100000")


def waybill(o: Order, logistics_no: str | None = None) -> LogisticsHead:
    """The CEB511 the carrier sends for ``o``."""
    h = o.head
    return LogisticsHead(logistics_code="3301980LGS", logistics_name="示例物流",
                         logistics_no=logistics_no or f"YT{h.order_no[-10:]}",
                         order_no=h.order_no, freight=h.freight, insured_fee=D("0"),
                         weight=D("1.2"), goods_info="奶粉等", consignee=h.consignee,
                         consignee_address=h.consignee_address,
                         consignee_telephone=h.consignee_telephone)


def delivered(w: LogisticsHead) -> LogisticsStatus:
    return LogisticsStatus(logistics_code=w.logistics_code, logistics_name=w.logistics_name,
                           logistics_no=w.logistics_no, logistics_status="S",
                           logistics_time="20261126150000")


def inventory(o: Order, w: LogisticsHead, cop_no: str | None = None) -> Inventory:
    """The bonded (1210) CEB621 declaring ``o`` shipped under ``w``."""
    h = o.head
    conv = {g[0]: g for g in _GOODS}
    lines = []
    for ln in o.lines:
        _item, _name, gcode, _unit, _price, unit1, per1 = conv[ln.item_no or ""]
        lines.append(InventoryLine(
            gnum=ln.gnum, item_record_no=f"REC-{ln.item_no}", item_no=ln.item_no,
            item_name=ln.item_name, gcode=gcode, gname=ln.item_name, gmodel=ln.gmodel,
            bar_code="无", country=ln.country, qty=ln.qty, unit=ln.unit,
            qty1=(ln.qty * per1).normalize(), unit1=unit1, price=ln.price,
            total_price=ln.total_price))
    head = InventoryHead(
        order_no=h.order_no, ebp_code=h.ebp_code, ebp_name=h.ebp_name, ebc_code=h.ebc_code,
        ebc_name=h.ebc_name, logistics_no=w.logistics_no, logistics_code=w.logistics_code,
        logistics_name=w.logistics_name, cop_no=cop_no or f"C{h.order_no[-18:]}",
        assure_code=h.ebc_code, ems_no="T2921W000001", decl_time="20261124",
        customs_code="2921", port_code="2921", buyer_id_number=h.buyer_id_number,
        buyer_name=h.buyer_name, buyer_telephone=h.buyer_telephone,
        consignee_address=h.consignee_address, agent_code="3301960AGT",
        agent_name="示例报关行", area_code="3301960WHS", area_name="示例保税仓",
        trade_mode="1210", traf_mode="Y", country="142", freight=h.freight,
        insured_fee=D("0"), gross_weight=D("1.2"), net_weight=D("1.0"))
    return Inventory(head=head, lines=tuple(lines))
