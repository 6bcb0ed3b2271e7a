"""Build and parse whole CEB messages (lxml), driven by one layout table.

Builders put records, ``BaseTransfer`` and the signature in XSD order, sign when a
signer is given, and validate the result against the official schema before
returning it: a message that would not validate never leaves (``CebBuildError``).
Parsers accept any CEB import message type, declarations and receipts alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from lxml import etree

from . import codec, dxp
from .model import (
    BaseTransfer,
    Delivery,
    DeliveryHead,
    DeliveryLine,
    DeliveryReturn,
    Inventory,
    InventoryHead,
    InventoryLine,
    InventoryReturn,
    InvtCancel,
    InvtCancelReturn,
    InvtRefund,
    InvtRefundHead,
    InvtRefundLine,
    InvtRefundReturn,
    LogisticsHead,
    LogisticsReturn,
    LogisticsStatus,
    LogisticsStatusReturn,
    Message,
    MessageReturn,
    Order,
    OrderHead,
    OrderLine,
    OrderReturn,
    PaymentHead,
    PaymentReturn,
    Tax,
    TaxHead,
    TaxLine,
    TaxStatus,
    new_guid,
)
from .schema import (
    CEB_NS,
    DS_NS,
    NotCebMessage,
    Problem,
    ceb_schema,
    ceb_schema_unsigned,
    message_type,
    parse,
    schema_problems,
)

if TYPE_CHECKING:
    from .signing import Signer

T = TypeVar("T")
_NS = "{" + CEB_NS + "}"
SIGNATURE_TAG = "{" + DS_NS + "}Signature"


@dataclass(frozen=True)
class Layout:
    """How records sit in one message type.

    ``doc``/``line``: a document class with head + lines (``Order``); ``wrapper``: the
    tag of a wrapper node holding only a head (``Payment``); ``transfer``: the
    message is a declaration with ``BaseTransfer``; ``signature``: the XSD requires
    ``ds:Signature`` (CEB621/623/625/711)."""

    head: type
    doc: type | None = None
    line: type | None = None
    wrapper: str | None = None
    transfer: bool = False
    signature: bool = False


LAYOUTS: dict[str, Layout] = {
    "CEB311Message": Layout(OrderHead, Order, OrderLine, transfer=True),
    "CEB312Message": Layout(OrderReturn),
    "CEB411Message": Layout(PaymentHead, wrapper="Payment", transfer=True),
    "CEB412Message": Layout(PaymentReturn),
    "CEB511Message": Layout(LogisticsHead, wrapper="Logistics", transfer=True),
    "CEB512Message": Layout(LogisticsReturn),
    "CEB513Message": Layout(LogisticsStatus, transfer=True),
    "CEB514Message": Layout(LogisticsStatusReturn),
    "CEB621Message": Layout(InventoryHead, Inventory, InventoryLine, transfer=True,
                            signature=True),
    "CEB622Message": Layout(InventoryReturn),
    "CEB623Message": Layout(InvtCancel, transfer=True, signature=True),
    "CEB624Message": Layout(InvtCancelReturn),
    "CEB625Message": Layout(InvtRefundHead, InvtRefund, InvtRefundLine, transfer=True,
                            signature=True),
    "CEB626Message": Layout(InvtRefundReturn),
    "CEB711Message": Layout(DeliveryHead, Delivery, DeliveryLine, transfer=True,
                            signature=True),
    "CEB712Message": Layout(DeliveryReturn),
    "CEB816Message": Layout(TaxHead, Tax, TaxLine),
    "CEB818Message": Layout(TaxStatus, wrapper="Tax"),
    "CEB900Message": Layout(MessageReturn),
}

SIGNED_TYPES = frozenset(k for k, v in LAYOUTS.items() if v.signature)
RECEIPT_TYPES = frozenset(k for k, v in LAYOUTS.items() if not v.transfer)


class CebBuildError(ValueError):
    """The built message does not validate; ``problems`` says where and why."""

    def __init__(self, message_type: str, problems: list[Problem]) -> None:
        shown = "; ".join(str(p) for p in problems[:5])
        super().__init__(f"{message_type} does not validate: {shown}")
        self.problems = problems


# ----------------------------------------------------------------------- building


def build_message(message_type: str, records: Sequence[object],
                  transfer: BaseTransfer | None = None, *, guid: str | None = None,
                  signer: Signer | None = None, version: str = "1.0") -> etree._Element:
    """Any CEB message (declaration or receipt) from its records, signed when a
    signer is given, validated against the XSD. A declaration of a signed type
    built with ``signer=None`` is checked with the signature as the only thing
    missing — for handing to an external signing service."""
    lay = LAYOUTS[message_type]
    expected = lay.doc or lay.head
    if not records:
        raise ValueError(f"{message_type} needs at least one record")
    for rec in records:
        if not isinstance(rec, expected):
            raise TypeError(f"{message_type} carries {expected.__name__}, "
                            f"not {type(rec).__name__}")
    if lay.transfer and transfer is None:
        raise ValueError(f"{message_type} needs a BaseTransfer")
    root = etree.Element(_NS + message_type, nsmap={"ceb": CEB_NS})
    root.set("guid", guid or new_guid())
    root.set("version", version)
    for rec in records:
        if lay.doc is not None:
            node = etree.SubElement(root, _NS + lay.doc.TAG)  # type: ignore[attr-defined]
            codec.write(node, rec.head)  # type: ignore[attr-defined]
            for line in rec.lines:  # type: ignore[attr-defined]
                codec.write(node, line)
        elif lay.wrapper is not None:
            codec.write(etree.SubElement(root, _NS + lay.wrapper), rec)
        else:
            codec.write(root, rec)
    if lay.transfer and transfer is not None:
        codec.write(root, transfer)
    if signer is not None:
        root = signer.sign(root)
    schema = ceb_schema_unsigned() if (lay.signature and signer is None) else ceb_schema()
    if not schema.validate(root):
        raise CebBuildError(message_type, [
            Problem(path=e.path or f"line {e.line}", rule="xsd", message=e.message)
            for e in schema.error_log])
    return root


def build_ceb311(orders: Sequence[Order], transfer: BaseTransfer, *,
                 guid: str | None = None, signer: Signer | None = None) -> etree._Element:
    """CEB311 electronic order(s)."""
    return build_message("CEB311Message", orders, transfer, guid=guid, signer=signer)


def build_ceb411(payments: Sequence[PaymentHead], transfer: BaseTransfer, *,
                 guid: str | None = None, signer: Signer | None = None) -> etree._Element:
    """CEB411 payment voucher(s) (sent by the payment provider; here: its simulator)."""
    return build_message("CEB411Message", payments, transfer, guid=guid, signer=signer)


def build_ceb511(waybills: Sequence[LogisticsHead], transfer: BaseTransfer, *,
                 guid: str | None = None, signer: Signer | None = None) -> etree._Element:
    """CEB511 waybill(s) (sent by the carrier; here: its simulator)."""
    return build_message("CEB511Message", waybills, transfer, guid=guid, signer=signer)


def build_ceb513(statuses: Sequence[LogisticsStatus], transfer: BaseTransfer, *,
                 guid: str | None = None, signer: Signer | None = None) -> etree._Element:
    """CEB513 waybill status (delivered, ``logisticsStatus`` S)."""
    return build_message("CEB513Message", statuses, transfer, guid=guid, signer=signer)


def build_ceb621(inventories: Sequence[Inventory], transfer: BaseTransfer, *,
                 signer: Signer | None, guid: str | None = None) -> etree._Element:
    """CEB621 inventory list (the declaration). Signed; ``signer=None`` only to hand
    the unsigned message to an external signing service."""
    return build_message("CEB621Message", inventories, transfer, guid=guid, signer=signer)


def build_ceb623(cancels: Sequence[InvtCancel], transfer: BaseTransfer, *,
                 signer: Signer | None, guid: str | None = None) -> etree._Element:
    """CEB623 inventory cancellation (signed)."""
    return build_message("CEB623Message", cancels, transfer, guid=guid, signer=signer)


def build_ceb625(refunds: Sequence[InvtRefund], transfer: BaseTransfer, *,
                 signer: Signer | None, guid: str | None = None) -> etree._Element:
    """CEB625 return request (signed)."""
    return build_message("CEB625Message", refunds, transfer, guid=guid, signer=signer)


def to_bytes(root: etree._Element) -> bytes:
    """UTF-8 bytes with an XML declaration; no pretty-printing (it would break a
    signature)."""
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# ------------------------------------------------------------------------ parsing


def parse_message(root: etree._Element) -> Message:
    """Read a parsed CEB message into a ``Message``. Raises ``NotCebMessage`` for a
    non-CEB or unknown root and ``codec.CebFormatError`` when a record cannot be
    read (call ``schema_problems`` first to learn why)."""
    mtype = message_type(root)
    lay = LAYOUTS.get(mtype)
    if lay is None:
        raise NotCebMessage(f"unsupported message type {mtype}")
    records: list[object] = []
    transfer: BaseTransfer | None = None
    signed = False
    head_tag = _NS + lay.head.TAG  # type: ignore[attr-defined]
    counts: dict[str, int] = {}
    for child in root:
        if not isinstance(child.tag, str):
            continue
        local = etree.QName(child).localname
        counts[local] = counts.get(local, 0) + 1
        path = f"/{mtype}/{local}[{counts[local]}]"
        if child.tag == SIGNATURE_TAG:
            signed = True
        elif child.tag == _NS + "BaseTransfer":
            transfer = codec.read(child, BaseTransfer, path)
        elif lay.doc is not None and child.tag == _NS + lay.doc.TAG:  # type: ignore[attr-defined]
            records.append(_read_doc(child, lay, path))
        elif lay.wrapper is not None and child.tag == _NS + lay.wrapper:
            node = child.find(head_tag)
            if node is None:
                raise codec.CebFormatError(path, f"{lay.head.TAG} missing")  # type: ignore[attr-defined]
            records.append(codec.read(node, lay.head, f"{path}/{lay.head.TAG}"))  # type: ignore[attr-defined]
        elif child.tag == head_tag:
            records.append(codec.read(child, lay.head, path))
    if not records:
        raise codec.CebFormatError(f"/{mtype}", "no business records")
    return Message(message_type=mtype, guid=root.get("guid", ""), records=tuple(records),
                   transfer=transfer, version=root.get("version", ""), signed=signed)


def _read_doc(node: etree._Element, lay: Layout, path: str) -> object:
    assert lay.doc is not None and lay.line is not None
    head_tag = lay.head.TAG  # type: ignore[attr-defined]
    line_tag = lay.line.TAG  # type: ignore[attr-defined]
    head: object | None = None
    lines: list[object] = []
    for child in node:
        if not isinstance(child.tag, str):
            continue
        local = etree.QName(child).localname
        if local == head_tag:
            head = codec.read(child, lay.head, f"{path}/{head_tag}")
        elif local == line_tag:
            lines.append(codec.read(child, lay.line, f"{path}/{line_tag}[{len(lines) + 1}]"))
    if head is None:
        raise codec.CebFormatError(path, f"{head_tag} missing")
    return lay.doc(head=head, lines=tuple(lines))


def read_message(data: bytes, *, validate: bool = False) -> Message:
    """Safe-parse bytes (a bare CEB message or a ``DxpMsg`` envelope) and read it.
    With ``validate=True`` (use it for everything received) a message that does
    not validate against the XSD raises ``codec.CebFormatError`` carrying the first
    problem. Everything raised is a ``ValueError``: ``NotCebMessage`` (not XML, too
    large, DOCTYPE, not CEB) or ``CebFormatError``."""
    root = parse(data)
    if message_type(root) == "DxpMsg":
        root = parse(dxp.unwrap(root).data)
    if validate:
        problems = schema_problems(root)
        if problems:
            raise codec.CebFormatError(problems[0].path, problems[0].message)
    return parse_message(root)


def records_of(message: Message, cls: type[T]) -> list[T]:
    """The message's records of one class, typed (e.g. ``records_of(m, InventoryReturn)``)."""
    return [r for r in message.records if isinstance(r, cls)]
