"""What the CEB messages carry, as frozen dataclasses (specs/cbec-customs.md §2).

One class per XSD record node; field names are the XSD element names in snake_case
and the fields are declared in XSD order, so ``codec`` can write and read any of
them generically (``camelCase`` ↔ ``snake_case`` round-trips for every CEB name).
Optional elements are ``None`` when absent (an empty element parses as ``None``).
Money and quantities are ``Decimal``; times stay the strings customs uses
(``YYYYMMDDhhmmss``, receipts ``YYYYMMDDhhmmssSSS``) — see ``ceb_time`` /
``parse_ceb_time``. Pure: no Django imports.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import ClassVar
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
CNY = "142"


def new_guid() -> str:
    """36-character upper-case UUID, as the spec wants for ``guid``."""
    return str(uuid.uuid4()).upper()


def ceb_time(moment: dt.datetime | None = None) -> str:
    """``YYYYMMDDhhmmss`` in Beijing time (customs' clock) for appTime, payTime…"""
    moment = moment or dt.datetime.now(dt.UTC)
    return moment.astimezone(SHANGHAI).strftime("%Y%m%d%H%M%S")


def ceb_date(moment: dt.datetime | None = None) -> str:
    """``YYYYMMDD`` in Beijing time for declTime / ieDate."""
    moment = moment or dt.datetime.now(dt.UTC)
    return moment.astimezone(SHANGHAI).strftime("%Y%m%d")


def return_time(moment: dt.datetime | None = None) -> str:
    """``YYYYMMDDhhmmssSSS`` (receipts' returnTime) in Beijing time."""
    moment = (moment or dt.datetime.now(dt.UTC)).astimezone(SHANGHAI)
    return moment.strftime("%Y%m%d%H%M%S") + f"{moment.microsecond // 1000:03d}"


def parse_ceb_time(text: str) -> dt.datetime:
    """Aware datetime from a customs time: 8 (date), 14 or 17 (with ms) digits,
    read as Beijing time. Raises ``ValueError`` for anything else."""
    formats = {8: "%Y%m%d", 14: "%Y%m%d%H%M%S", 17: "%Y%m%d%H%M%S"}
    if not text.isdigit() or len(text) not in formats:
        raise ValueError(f"not a customs time: {text!r}")
    moment = dt.datetime.strptime(text[:14] if len(text) == 17 else text, formats[len(text)])
    if len(text) == 17:
        moment = moment.replace(microsecond=int(text[14:]) * 1000)
    return moment.replace(tzinfo=SHANGHAI)


def _today() -> str:
    return ceb_date()


# --------------------------------------------------------------------------- common


@dataclass(frozen=True, kw_only=True)
class BaseTransfer:
    """``BaseTransfer``: who transmits (copCode = the connecting enterprise)."""

    TAG: ClassVar[str] = "BaseTransfer"
    cop_code: str
    cop_name: str
    dxp_mode: str = "DXP"
    dxp_id: str
    note: str | None = None



@dataclass(frozen=True, kw_only=True)
class OrderHead:
    """CEB311 order head (``OrderHead``): platform, seller, amounts, buyer, consignee."""

    TAG: ClassVar[str] = "OrderHead"
    guid: str = field(default_factory=new_guid)
    app_type: str = "1"
    app_time: str = field(default_factory=ceb_time)
    app_status: str = "2"
    order_type: str = "I"
    order_no: str
    ebp_code: str
    ebp_name: str
    ebc_code: str
    ebc_name: str
    goods_value: Decimal
    freight: Decimal
    discount: Decimal
    tax_total: Decimal
    actural_paid: Decimal
    currency: str = "142"
    buyer_reg_no: str
    buyer_name: str
    buyer_telephone: str
    buyer_id_type: str = "1"
    buyer_id_number: str
    pay_code: str | None = None
    pay_name: str | None = None
    pay_transaction_id: str | None = None
    batch_numbers: str | None = None
    consignee: str
    consignee_telephone: str
    consignee_address: str
    consignee_district: str | None = None
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class OrderLine:
    """CEB311 order line (``OrderList``): totalPrice = price × qty."""

    TAG: ClassVar[str] = "OrderList"
    gnum: int
    item_no: str | None = None
    item_name: str
    gmodel: str
    item_describe: str | None = None
    bar_code: str | None = None
    unit: str
    qty: Decimal
    price: Decimal
    total_price: Decimal
    currency: str = "142"
    country: str
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class OrderReturn:
    """CEB312 order receipt (``OrderReturn``); key ebpCode + ebcCode + orderNo."""

    TAG: ClassVar[str] = "OrderReturn"
    guid: str = field(default_factory=new_guid)
    ebp_code: str
    ebc_code: str
    order_no: str
    return_status: str
    return_time: str
    return_info: str


@dataclass(frozen=True, kw_only=True)
class PaymentHead:
    """CEB411 payment voucher (``PaymentHead``), sent by the payment enterprise."""

    TAG: ClassVar[str] = "PaymentHead"
    guid: str = field(default_factory=new_guid)
    app_type: str = "1"
    app_time: str = field(default_factory=ceb_time)
    app_status: str = "2"
    pay_code: str
    pay_name: str
    pay_transaction_id: str
    order_no: str
    ebp_code: str
    ebp_name: str
    payer_id_type: str = "1"
    payer_id_number: str
    payer_name: str
    telephone: str | None = None
    amount_paid: Decimal
    currency: str = "142"
    pay_time: str
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class PaymentReturn:
    """CEB412 payment receipt (``PaymentReturn``); key payCode + payTransactionId."""

    TAG: ClassVar[str] = "PaymentReturn"
    guid: str = field(default_factory=new_guid)
    pay_code: str
    pay_transaction_id: str
    return_status: str
    return_time: str
    return_info: str


@dataclass(frozen=True, kw_only=True)
class LogisticsHead:
    """CEB511 waybill (``LogisticsHead``), sent by the logistics enterprise."""

    TAG: ClassVar[str] = "LogisticsHead"
    guid: str = field(default_factory=new_guid)
    app_type: str = "1"
    app_time: str = field(default_factory=ceb_time)
    app_status: str = "2"
    logistics_code: str
    logistics_name: str
    logistics_no: str
    bill_no: str | None = None
    order_no: str
    freight: Decimal | None = None
    insured_fee: Decimal | None = None
    currency: str = "142"
    weight: Decimal
    pack_no: int = 1
    goods_info: str | None = None
    consignee: str
    consignee_address: str
    consignee_telephone: str
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class LogisticsReturn:
    """CEB512 waybill receipt (``LogisticsReturn``); key logisticsCode + logisticsNo."""

    TAG: ClassVar[str] = "LogisticsReturn"
    guid: str = field(default_factory=new_guid)
    logistics_code: str
    logistics_no: str
    return_status: str
    return_time: str
    return_info: str


@dataclass(frozen=True, kw_only=True)
class LogisticsStatus:
    """CEB513 waybill status (``LogisticsStatus``): delivered = ``S``."""

    TAG: ClassVar[str] = "LogisticsStatus"
    guid: str = field(default_factory=new_guid)
    app_type: str = "1"
    app_time: str = field(default_factory=ceb_time)
    app_status: str = "2"
    logistics_code: str
    logistics_name: str
    logistics_no: str
    logistics_status: str
    logistics_time: str
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class LogisticsStatusReturn:
    """CEB514 waybill-status receipt (``LogisticsStatusReturn``)."""

    TAG: ClassVar[str] = "LogisticsStatusReturn"
    guid: str = field(default_factory=new_guid)
    logistics_code: str
    logistics_no: str
    logistics_status: str
    return_status: str
    return_time: str
    return_info: str


@dataclass(frozen=True, kw_only=True)
class InventoryHead:
    """CEB621 inventory head (``InventoryHead``): the declaration itself."""

    TAG: ClassVar[str] = "InventoryHead"
    guid: str = field(default_factory=new_guid)
    app_type: str = "1"
    app_time: str = field(default_factory=ceb_time)
    app_status: str = "2"
    order_no: str
    ebp_code: str
    ebp_name: str
    ebc_code: str
    ebc_name: str
    logistics_no: str
    logistics_code: str
    logistics_name: str
    cop_no: str | None = None
    pre_no: str | None = None
    assure_code: str
    ems_no: str | None = None
    invt_no: str | None = None
    ie_flag: str = "I"
    decl_time: str = field(default_factory=_today)
    customs_code: str
    port_code: str
    ie_date: str | None = None
    buyer_id_type: str = "1"
    buyer_id_number: str
    buyer_name: str
    buyer_telephone: str
    consignee_address: str
    agent_code: str
    agent_name: str
    area_code: str | None = None
    area_name: str | None = None
    trade_mode: str
    traf_mode: str
    traf_no: str | None = None
    voyage_no: str | None = None
    bill_no: str | None = None
    loct_no: str | None = None
    license_no: str | None = None
    country: str
    freight: Decimal
    insured_fee: Decimal
    currency: str = "142"
    wrap_type: str | None = None
    pack_no: int = 1
    gross_weight: Decimal
    net_weight: Decimal
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class InventoryLine:
    """CEB621 inventory line (``InventoryList``) with legal quantities qty1/qty2."""

    TAG: ClassVar[str] = "InventoryList"
    gnum: int
    item_record_no: str | None = None
    item_no: str | None = None
    item_name: str | None = None
    gcode: str
    gname: str
    gmodel: str
    bar_code: str | None = None
    country: str
    trade_country: str | None = None
    currency: str = "142"
    qty: Decimal
    unit: str
    qty1: Decimal
    unit1: str
    qty2: Decimal | None = None
    unit2: str | None = None
    price: Decimal
    total_price: Decimal
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class InventoryReturn:
    """CEB622 inventory receipt (``InventoryReturn``); key copNo, then preNo/invtNo."""

    TAG: ClassVar[str] = "InventoryReturn"
    guid: str = field(default_factory=new_guid)
    customs_code: str | None = None
    ebp_code: str | None = None
    ebc_code: str | None = None
    agent_code: str | None = None
    cop_no: str
    pre_no: str
    invt_no: str | None = None
    return_status: str
    return_time: str
    return_info: str


@dataclass(frozen=True, kw_only=True)
class _InventoryRequest:
    """What a cancellation (CEB623) and a return (CEB625) repeat of the declared
    inventory, in XSD order (both heads have exactly these elements)."""

    guid: str = field(default_factory=new_guid)
    app_type: str = "1"
    app_time: str = field(default_factory=ceb_time)
    app_status: str = "2"
    customs_code: str
    order_no: str
    ebp_code: str
    ebp_name: str
    ebc_code: str
    ebc_name: str
    logistics_no: str
    logistics_code: str
    logistics_name: str
    cop_no: str | None = None
    pre_no: str | None = None
    invt_no: str
    buyer_id_type: str = "1"
    buyer_id_number: str
    buyer_name: str
    buyer_telephone: str
    agent_code: str
    agent_name: str
    reason: str
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class _InventoryRequestReturn:
    """The receipt of a cancellation (CEB624) or a return (CEB626), in XSD order."""

    guid: str = field(default_factory=new_guid)
    customs_code: str | None = None
    agent_code: str | None = None
    ebp_code: str | None = None
    ebc_code: str | None = None
    cop_no: str
    pre_no: str
    invt_no: str | None = None
    return_status: str
    return_time: str
    return_info: str


@dataclass(frozen=True, kw_only=True)
class InvtCancel(_InventoryRequest):
    """CEB623 cancellation request (``InvtCancel``); appType 1 only."""

    TAG: ClassVar[str] = "InvtCancel"


@dataclass(frozen=True, kw_only=True)
class InvtCancelReturn(_InventoryRequestReturn):
    """CEB624 cancellation receipt (``InvtCancelReturn``); 399 = approved."""

    TAG: ClassVar[str] = "InvtCancelReturn"


@dataclass(frozen=True, kw_only=True)
class InvtRefundHead(_InventoryRequest):
    """CEB625 return request head (``InvtRefundHead``)."""

    TAG: ClassVar[str] = "InvtRefundHead"


@dataclass(frozen=True, kw_only=True)
class InvtRefundLine:
    """CEB625 returned line (``InvtRefundList``): original gnum, qty ≤ declared."""

    TAG: ClassVar[str] = "InvtRefundList"
    gnum: int
    gcode: str
    gname: str
    qty: Decimal
    unit: str
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class InvtRefundReturn(_InventoryRequestReturn):
    """CEB626 return receipt (``InvtRefundReturn``)."""

    TAG: ClassVar[str] = "InvtRefundReturn"


@dataclass(frozen=True, kw_only=True)
class DeliveryHead:
    """CEB711 warehouse-entry head (``DeliveryHead``, 9610 arrivals)."""

    TAG: ClassVar[str] = "DeliveryHead"
    guid: str = field(default_factory=new_guid)
    app_type: str = "1"
    app_time: str = field(default_factory=ceb_time)
    app_status: str = "2"
    customs_code: str
    cop_no: str | None = None
    pre_no: str | None = None
    rkd_no: str | None = None
    operator_code: str
    operator_name: str
    ie_flag: str = "I"
    traf_mode: str
    traf_no: str
    voyage_no: str
    bill_no: str
    logistics_code: str
    logistics_name: str
    unload_location: str | None = None
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class DeliveryLine:
    """CEB711 warehouse-entry line (``DeliveryList``): one parcel."""

    TAG: ClassVar[str] = "DeliveryList"
    gnum: int
    logistics_no: str
    note: str | None = None


@dataclass(frozen=True, kw_only=True)
class DeliveryReturn:
    """CEB712 warehouse-entry receipt (``DeliveryReturn``)."""

    TAG: ClassVar[str] = "DeliveryReturn"
    guid: str = field(default_factory=new_guid)
    customs_code: str | None = None
    operator_code: str | None = None
    cop_no: str | None = None
    pre_no: str | None = None
    rkd_no: str | None = None
    return_status: str
    return_time: str
    return_info: str


@dataclass(frozen=True, kw_only=True)
class TaxHead:
    """CEB816 tax bill head (``TaxHeadRd``): taxes of one inventory; status 1/2/3."""

    TAG: ClassVar[str] = "TaxHeadRd"
    guid: str = field(default_factory=new_guid)
    return_time: str
    invt_no: str
    tax_no: str
    customs_tax: Decimal
    value_added_tax: Decimal
    consumption_tax: Decimal
    status: str
    ent_duty_no: str | None = None
    note: str | None = None
    assure_code: str | None = None
    ebc_code: str | None = None
    logistics_code: str | None = None
    agent_code: str | None = None
    customs_code: str | None = None


@dataclass(frozen=True, kw_only=True)
class TaxLine:
    """CEB816 tax bill line (``TaxListRd``): taxable price and taxes per line."""

    TAG: ClassVar[str] = "TaxListRd"
    gnum: int
    gcode: str
    tax_price: Decimal
    customs_tax: Decimal
    value_added_tax: Decimal
    consumption_tax: Decimal


@dataclass(frozen=True, kw_only=True)
class TaxStatus:
    """CEB818 tax bill status (``TaxHeadStatus``): 1 generated, 2 aggregated, 3 void."""

    TAG: ClassVar[str] = "TaxHeadStatus"
    guid: str = field(default_factory=new_guid)
    return_time: str
    invt_no: str
    tax_no: str
    status: str
    ent_duty_no: str | None = None
    assure_code: str | None = None


@dataclass(frozen=True, kw_only=True)
class MessageReturn:
    """CEB900 format-error receipt (``MessageReturn``); key oriCopMsgId."""

    TAG: ClassVar[str] = "MessageReturn"
    guid: str = field(default_factory=new_guid)
    return_status: str
    return_info: str
    return_time: str
    ori_cop_msg_id: str
    ori_message_type: str
    ori_biz_message: str


# ------------------------------------------------------- documents with head + lines


@dataclass(frozen=True, kw_only=True)
class Order:
    """``Order`` (CEB311): head + 1..99 lines."""

    TAG: ClassVar[str] = "Order"
    head: OrderHead
    lines: tuple[OrderLine, ...]


@dataclass(frozen=True, kw_only=True)
class Inventory:
    """``Inventory`` (CEB621): head + 1..99 lines."""

    TAG: ClassVar[str] = "Inventory"
    head: InventoryHead
    lines: tuple[InventoryLine, ...]


@dataclass(frozen=True, kw_only=True)
class InvtRefund:
    """``InvtRefund`` (CEB625): head + 1..99 returned lines."""

    TAG: ClassVar[str] = "InvtRefund"
    head: InvtRefundHead
    lines: tuple[InvtRefundLine, ...]


@dataclass(frozen=True, kw_only=True)
class Delivery:
    """``Delivery`` (CEB711): head + parcels."""

    TAG: ClassVar[str] = "Delivery"
    head: DeliveryHead
    lines: tuple[DeliveryLine, ...]


@dataclass(frozen=True, kw_only=True)
class Tax:
    """``Tax`` (CEB816 tax bill): head taxes + per-line taxes."""

    TAG: ClassVar[str] = "Tax"
    head: TaxHead
    lines: tuple[TaxLine, ...]


@dataclass(frozen=True, kw_only=True)
class Message:
    """A whole CEB message: its type (``CEB621Message``), root guid, the business
    records (``Order``/``Inventory``/… for documents with lines, the head class
    for single-node records, e.g. ``PaymentHead``, ``InventoryReturn``), the
    ``BaseTransfer`` of declarations (``None`` on receipts) and whether it carries a
    ``ds:Signature``."""

    message_type: str
    guid: str
    records: tuple[object, ...]
    transfer: BaseTransfer | None = None
    version: str = "1.0"
    signed: bool = False
