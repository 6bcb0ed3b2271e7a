"""Valid CEB messages for the simulator tests, made by editing the official samples
with lxml (one record each, real ID checksums, amounts that reconcile), plus an
RSA test certificate and signer for CEB621/623/625.

The simulator is the other party, so these do not use Shequn's builders.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field, replace
from decimal import Decimal
from functools import cache
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from lxml import etree
from signxml import CanonicalizationMethod, XMLSigner

SAMPLES = Path(__file__).with_name("samples")
CEB = "http://www.chinaport.gov.cn/ceb"
DS = "http://www.w3.org/2000/09/xmldsig#"
VALID_ID = "360426199101010071"
VALID_ID_2 = "11010519491231002X"
BAD_CHECKSUM_ID = "360426199101010072"


@dataclass(frozen=True)
class Line:
    name: str
    qty: Decimal
    price: Decimal
    gcode: str = "1901101000"  # infant formula: VAT only

    @property
    def total(self) -> Decimal:
        return self.qty * self.price


@dataclass(frozen=True)
class Purchase:
    """One buyer's paid order with everything the four documents share."""

    n: int = 1
    buyer_id: str = VALID_ID
    buyer_name: str = "张三"
    lines: tuple[Line, ...] = (Line("婴儿配方奶粉", Decimal(2), Decimal("298.00")),)
    freight: Decimal = Decimal("10.00")
    insured_fee: Decimal = Decimal("0")
    tax_total: Decimal = Decimal("0")
    consignee: str = "张三"
    consignee_phone: str = "13800000000"
    address: str = "浙江省杭州市西湖区文三路1号"
    ebp: str = "3301960000"
    ebc: str = "3301960001"
    pay_code: str = "4403169D3W"
    logistics_code: str = "3301980002"
    agent: str = "3301980003"
    customs_code: str = "2924"
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def order_no(self) -> str:
        return f"SQ2026{self.n:08d}"

    @property
    def pay_tx(self) -> str:
        return f"PAY{self.n:010d}"

    @property
    def logistics_no(self) -> str:
        return f"YT{self.n:012d}"

    @property
    def cop_no(self) -> str:
        return f"COP{self.n:010d}"

    @property
    def goods_value(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal(0))

    @property
    def paid(self) -> Decimal:
        return self.goods_value + self.freight + self.tax_total


def purchase(n: int = 1, **changes: object) -> Purchase:
    return replace(Purchase(n=n), **changes)  # type: ignore[arg-type]


def _guid() -> str:
    return str(uuid.uuid4()).upper()


def _load(name: str) -> etree._Element:
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False)
    return etree.parse(str(SAMPLES / f"{name}.xml"), parser).getroot()


def _set(node: etree._Element, **values: object) -> None:
    for key, value in values.items():
        el = node.find(f"{{{CEB}}}{key}")
        if el is None:
            raise KeyError(key)
        el.text = str(value)


def _remove(node: etree._Element, *names: str) -> None:
    for name in names:
        for el in node.findall(f"{{{CEB}}}{name}"):
            node.remove(el)


def _keep_first(root: etree._Element, name: str) -> etree._Element:
    nodes = root.findall(f"{{{CEB}}}{name}")
    for extra in nodes[1:]:
        root.remove(extra)
    return nodes[0]


def _unsigned(root: etree._Element) -> None:
    for sig in root.findall(f"{{{DS}}}Signature"):
        root.remove(sig)


def _bytes(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _now() -> str:
    return dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8))).strftime(
        "%Y%m%d%H%M%S")


def order_xml(p: Purchase, app_type: str = "1", **head: object) -> bytes:
    root = _load("CEB311Message")
    root.set("guid", _guid())
    order = _keep_first(root, "Order")
    h = order.find(f"{{{CEB}}}OrderHead")
    _set(h, guid=_guid(), appType=app_type, appTime=_now(), orderNo=p.order_no,
         ebpCode=p.ebp, ebcCode=p.ebc, goodsValue=p.goods_value, freight=p.freight,
         discount=0, taxTotal=p.tax_total, acturalPaid=p.paid, buyerName=p.buyer_name,
         buyerIdNumber=p.buyer_id, payCode=p.pay_code, payTransactionId=p.pay_tx,
         consignee=p.consignee, consigneeTelephone=p.consignee_phone,
         consigneeAddress=p.address)
    _set(h, **head)
    template = order.findall(f"{{{CEB}}}OrderList")[0]
    _remove(order, "OrderList")
    for i, line in enumerate(p.lines, start=1):
        el = _copy(template)
        _set(el, gnum=i, itemNo=f"SKU{i}", itemName=line.name, qty=line.qty, price=line.price,
             totalPrice=line.total)
        order.append(el)
    return _bytes(root)


def payment_xml(p: Purchase, amount: Decimal | None = None, **head: object) -> bytes:
    root = _load("CEB411Message")
    root.set("guid", _guid())
    h = _keep_first(root, "Payment").find(f"{{{CEB}}}PaymentHead")
    _set(h, guid=_guid(), appTime=_now(), payCode=p.pay_code, payTransactionId=p.pay_tx,
         orderNo=p.order_no, ebpCode=p.ebp, payerIdNumber=p.buyer_id, payerName=p.buyer_name,
         amountPaid=p.paid if amount is None else amount, payTime=_now())
    _set(h, **head)
    return _bytes(root)


def waybill_xml(p: Purchase, **head: object) -> bytes:
    root = _load("CEB511Message")
    root.set("guid", _guid())
    h = _keep_first(root, "Logistics").find(f"{{{CEB}}}LogisticsHead")
    _set(h, guid=_guid(), appTime=_now(), logisticsCode=p.logistics_code,
         logisticsNo=p.logistics_no, orderNo=p.order_no, freight=p.freight, insuredFee=0,
         weight="1.2", packNo=1, consignee=p.consignee, consigneeAddress=p.address,
         consigneeTelephone=p.consignee_phone)
    _set(h, **head)
    return _bytes(root)


def delivered_xml(p: Purchase, status: str = "S") -> bytes:
    root = _load("CEB513Message")
    root.set("guid", _guid())
    node = _keep_first(root, "LogisticsStatus")
    _set(node, guid=_guid(), appTime=_now(), logisticsCode=p.logistics_code,
         logisticsNo=p.logistics_no, logisticsStatus=status, logisticsTime=_now())
    return _bytes(root)


def _copy(el: etree._Element) -> etree._Element:
    return etree.fromstring(etree.tostring(el))


def inventory_xml(p: Purchase, signer: Signer | None = None, app_status: str = "2",
                  lines: tuple[Line, ...] | None = None, **head: object) -> bytes:
    """A 1210 (bonded) inventory. Without a signer the sample's (bogus SM2) signature
    stays in place: the XSD needs one, and tests with ``accept_unsigned`` skip the check."""
    root = _load("CEB621Message")
    root.set("guid", _guid())
    inv = _keep_first(root, "Inventory")
    h = inv.find(f"{{{CEB}}}InventoryHead")
    _set(h, guid=_guid(), appTime=_now(), appStatus=app_status, orderNo=p.order_no,
         ebpCode=p.ebp, ebcCode=p.ebc, logisticsNo=p.logistics_no,
         logisticsCode=p.logistics_code, copNo=p.cop_no, assureCode=p.ebc,
         emsNo="T2924W000001", declTime=_now()[:8], customsCode=p.customs_code,
         portCode=p.customs_code, ieDate=_now()[:8], buyerIdNumber=p.buyer_id,
         buyerName=p.buyer_name, buyerTelephone=p.consignee_phone, consigneeAddress=p.address,
         agentCode=p.agent, areaCode="3301960009", tradeMode="1210", trafMode="Y",
         country="142", freight=p.freight, insuredFee=p.insured_fee, packNo=1,
         grossWeight="1.2", netWeight="1.0")
    _remove(h, "preNo", "invtNo", "trafNo", "voyageNo", "billNo", "loctNo", "licenseNo")
    _set(h, **head)
    template = inv.findall(f"{{{CEB}}}InventoryList")[0]
    _remove(inv, "InventoryList")
    for i, line in enumerate(lines or p.lines, start=1):
        el = _copy(template)
        _set(el, gnum=i, itemRecordNo=f"REC{i}", itemNo=f"SKU{i}", itemName=line.name,
             gcode=line.gcode, gname=line.name, country="601", qty=line.qty, unit="122",
             qty1=line.qty, unit1="122", price=line.price, totalPrice=line.total)
        _remove(el, "qty2", "unit2")
        inv.append(el)
    return signer.sign(root) if signer else _bytes(root)


def _business(root_name: str, node: etree._Element, p: Purchase, invt_no: str) -> None:
    _set(node, guid=_guid(), appTime=_now(), customsCode=p.customs_code, orderNo=p.order_no,
         ebpCode=p.ebp, ebcCode=p.ebc, logisticsNo=p.logistics_no,
         logisticsCode=p.logistics_code, copNo=p.cop_no, invtNo=invt_no,
         buyerIdNumber=p.buyer_id, buyerName=p.buyer_name, buyerTelephone=p.consignee_phone,
         agentCode=p.agent)
    _remove(node, "preNo")


def cancel_xml(p: Purchase, invt_no: str, signer: Signer | None = None,
               reason: str = "买家取消订单") -> bytes:
    root = _load("CEB623Message")
    root.set("guid", _guid())
    node = _keep_first(root, "InvtCancel")
    _business("CEB623Message", node, p, invt_no)
    _set(node, appStatus=2, reason=reason)
    return signer.sign(root) if signer else _bytes(root)


def refund_xml(p: Purchase, invt_no: str, returns: list[tuple[int, Decimal]],
               signer: Signer | None = None, gcode: str | None = None) -> bytes:
    """A return of ``(gnum, qty)`` pairs against the original inventory."""
    root = _load("CEB625Message")
    root.set("guid", _guid())
    refund = _keep_first(root, "InvtRefund")
    h = refund.find(f"{{{CEB}}}InvtRefundHead")
    _business("CEB625Message", h, p, invt_no)
    _set(h, appStatus=2, reason="七天无理由退货")
    template = refund.findall(f"{{{CEB}}}InvtRefundList")[0]
    _remove(refund, "InvtRefundList")
    for gnum, qty in returns:
        line = p.lines[gnum - 1] if gnum <= len(p.lines) else p.lines[0]
        el = _copy(template)
        _set(el, gnum=gnum, gcode=gcode or line.gcode, gname=line.name, qty=qty, unit="122")
        refund.append(el)
    return signer.sign(root) if signer else _bytes(root)


@dataclass(frozen=True)
class Signer:
    key_pem: bytes
    cert_pem: str

    def sign(self, root: etree._Element) -> bytes:
        _unsigned(root)
        signed = XMLSigner(c14n_algorithm=CanonicalizationMethod.CANONICAL_XML_1_0).sign(
            root, key=self.key_pem, cert=self.cert_pem)
        return _bytes(signed)


@cache
def test_signer(name: str = "Shequn test declarer") -> Signer:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=365))
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return Signer(key_pem, cert.public_bytes(serialization.Encoding.PEM).decode("ascii"))
