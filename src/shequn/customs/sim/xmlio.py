"""Reading incoming CEB records and writing the receipts customs sends back.

The simulator is the other party: it does not use Shequn's builders. It reads the
parsed lxml tree itself (by namespace URI, never by prefix) and writes receipts in
the shape of the official samples (default namespace, ``guid``/``version`` on the
root, one record node per receipt). Field order follows the 202205 XSD.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import uuid

from lxml import etree

from shequn.customs.ceb.schema import CEB_NS, DXP_NS

BEIJING = dt.timezone(dt.timedelta(hours=8), "CST")  # China has no DST: fixed +08:00
CUSTOMS_DXP_ID = "DXPEDCCEB0000002"  # the unified system's receiver id on the DXP network

Record = dict[str, str]


def new_guid() -> str:
    return str(uuid.uuid4()).upper()


def return_time(epoch: float) -> str:
    """``YYYYMMDDhhmmssSSS`` in Beijing time (C17, as the receipts carry it)."""
    moment = dt.datetime.fromtimestamp(epoch, BEIJING)
    return moment.strftime("%Y%m%d%H%M%S") + f"{moment.microsecond // 1000:03d}"


def beijing(epoch: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(epoch, BEIJING)


def fields(node: etree._Element) -> Record:
    """Direct child elements of a record node as ``{localName: text}`` (empty → "")."""
    out: Record = {}
    for child in node:
        if not isinstance(child.tag, str):
            continue  # comments, processing instructions
        out[etree.QName(child).localname] = (child.text or "").strip()
    return out


def children(node: etree._Element, name: str) -> list[etree._Element]:
    return node.findall(f"{{{CEB_NS}}}{name}")


def child(node: etree._Element, name: str) -> etree._Element | None:
    return node.find(f"{{{CEB_NS}}}{name}")


def unwrap_dxp(root: etree._Element) -> tuple[bytes, dict[str, str]]:
    """The base64 business message inside a ``DxpMsg`` plus its TransInfo fields."""
    info: dict[str, str] = {}
    trans = root.find(f"{{{DXP_NS}}}TransInfo")
    if trans is not None:
        for el in trans.iter():
            if isinstance(el.tag, str) and el is not trans and len(el) == 0:
                name = etree.QName(el).localname
                info.setdefault(name, (el.text or "").strip())
    data = root.findtext(f"{{{DXP_NS}}}Data") or ""
    return base64.b64decode(re.sub(r"\s+", "", data), validate=True), info


def wrap_dxp(xml: bytes, msg_type: str, sender_id: str, receiver_id: str,
             cop_msg_id: str | None = None, now: dt.datetime | None = None) -> bytes:
    """Wrap a receipt in the terminal envelope, as the exchange platform delivers it."""
    moment = (now or dt.datetime.now(BEIJING)).astimezone(BEIJING)
    root = etree.Element(f"{{{DXP_NS}}}DxpMsg", nsmap={"dxp": DXP_NS}, ver="1.0")
    trans = etree.SubElement(root, f"{{{DXP_NS}}}TransInfo")
    etree.SubElement(trans, f"{{{DXP_NS}}}CopMsgId").text = cop_msg_id or str(uuid.uuid4())
    etree.SubElement(trans, f"{{{DXP_NS}}}SenderId").text = sender_id[:16]
    receivers = etree.SubElement(trans, f"{{{DXP_NS}}}ReceiverIds")
    etree.SubElement(receivers, f"{{{DXP_NS}}}ReceiverId").text = (receiver_id or "UNKNOWN")[:16]
    etree.SubElement(trans, f"{{{DXP_NS}}}CreatTime").text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    etree.SubElement(trans, f"{{{DXP_NS}}}MsgType").text = msg_type[:30]
    etree.SubElement(root, f"{{{DXP_NS}}}Data").text = base64.b64encode(xml).decode("ascii")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def _root(msg_type: str) -> etree._Element:
    return etree.Element(f"{{{CEB_NS}}}{msg_type}", nsmap={None: CEB_NS},
                         guid=new_guid(), version="1.0")


def _fill(parent: etree._Element, name: str, values: list[tuple[str, str | None]]
          ) -> etree._Element:
    node = etree.SubElement(parent, f"{{{CEB_NS}}}{name}")
    for key, value in values:
        if value is None:
            continue  # optional element left out
        etree.SubElement(node, f"{{{CEB_NS}}}{key}").text = value
    return node


def _bytes(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                standalone=True))


# Receipt record layouts (XSD order). ``returnStatus``/``returnTime``/``returnInfo``
# are filled in by ``receipt``.
RECEIPT_NODES: dict[str, tuple[str, tuple[str, ...]]] = {
    "CEB312Message": ("OrderReturn", ("guid", "ebpCode", "ebcCode", "orderNo")),
    "CEB412Message": ("PaymentReturn", ("guid", "payCode", "payTransactionId")),
    "CEB512Message": ("LogisticsReturn", ("guid", "logisticsCode", "logisticsNo")),
    "CEB514Message": ("LogisticsStatusReturn",
                      ("guid", "logisticsCode", "logisticsNo", "logisticsStatus")),
    "CEB622Message": ("InventoryReturn", ("guid", "customsCode", "ebpCode", "ebcCode",
                                          "agentCode", "copNo", "preNo", "invtNo")),
    "CEB624Message": ("InvtCancelReturn", ("guid", "customsCode", "agentCode", "ebpCode",
                                           "ebcCode", "copNo", "preNo", "invtNo")),
    "CEB626Message": ("InvtRefundReturn", ("guid", "customsCode", "agentCode", "ebpCode",
                                           "ebcCode", "copNo", "preNo", "invtNo")),
}


def _clip(text: str, limit: int) -> str:
    text = text or "-"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def receipt(msg_type: str, ids: Record, status: str, when: str, info: str) -> bytes:
    """One business receipt (CEB312/412/512/514/622/624/626) with one record node."""
    node, keys = RECEIPT_NODES[msg_type]
    values: list[tuple[str, str | None]] = [(k, ids.get(k) or None) for k in keys]
    values += [("returnStatus", status), ("returnTime", when),
               ("returnInfo", _clip(info, 1000))]
    root = _root(msg_type)
    _fill(root, node, values)
    return _bytes(root)


_XML_BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def ceb900(status: str, info: str, when: str, ori_cop_msg_id: str, ori_type: str,
           original: bytes) -> bytes:
    """CEB900 format-error receipt; the original message goes back as text (CDATA)."""
    root = _root("CEB900Message")
    node = _fill(root, "MessageReturn", [
        ("guid", new_guid()), ("returnStatus", status), ("returnInfo", _clip(info, 5000)),
        ("returnTime", when), ("oriCopMsgId", ori_cop_msg_id[:255]),
        ("oriMessageType", ori_type if len(ori_type) <= 15 else "Unknown"),
    ])
    text = _XML_BAD_CHARS.sub("\ufffd", original.decode("utf-8", errors="replace"))
    biz = etree.SubElement(node, f"{{{CEB_NS}}}oriBizMessage")
    biz.text = etree.CDATA(text) if "]]>" not in text else text
    return _bytes(root)


def ceb816(head: Record, lines: list[Record]) -> bytes:
    """Electronic tax bill: ``Tax`` = ``TaxHeadRd`` + ``TaxListRd``×n."""
    root = _root("CEB816Message")
    tax = etree.SubElement(root, f"{{{CEB_NS}}}Tax")
    keys = ("guid", "returnTime", "invtNo", "taxNo", "customsTax", "valueAddedTax",
            "consumptionTax", "status", "entDutyNo", "note", "assureCode", "ebcCode",
            "logisticsCode", "agentCode", "customsCode")
    _fill(tax, "TaxHeadRd", [(k, head.get(k) or None) for k in keys])
    for line in lines:
        _fill(tax, "TaxListRd", [(k, line[k]) for k in (
            "gnum", "gcode", "taxPrice", "customsTax", "valueAddedTax", "consumptionTax")])
    return _bytes(root)


def ceb818(head: Record) -> bytes:
    """Tax-bill status change (1 generated, 2 aggregated, 3 void)."""
    root = _root("CEB818Message")
    tax = etree.SubElement(root, f"{{{CEB_NS}}}Tax")
    keys = ("guid", "returnTime", "invtNo", "taxNo", "status", "entDutyNo", "assureCode")
    _fill(tax, "TaxHeadStatus", [(k, head.get(k) or None) for k in keys])
    return _bytes(root)
