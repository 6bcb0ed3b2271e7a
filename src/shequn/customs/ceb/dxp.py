"""The terminal-node envelope ``DxpMsg`` (dxp-terminal-202205.xsd): how a
self-built client hands a CEB message to the exchange (spec ch. 5; digest §2.10).

The business XML travels base64-encoded in ``Data``; ``TransInfo`` names the
sender, the receivers, a unique ``CopMsgId`` (a CEB900 format-error receipt refers
back to it as ``oriCopMsgId``) and the message type.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from .model import SHANGHAI
from .schema import DXP_NS, NotCebMessage, dxp_schema, message_type, parse

_NS = "{" + DXP_NS + "}"
# Receiver id of the customs CEB import system on the exchange. [R] — from public
# integrations, confirm with the E-port; pass receiver_ids to override.
CUSTOMS_RECEIVER_ID = "DXPEDCCEB0000002"


@dataclass(frozen=True, kw_only=True)
class Envelope:
    cop_msg_id: str
    sender_id: str
    receiver_ids: tuple[str, ...]
    creat_time: str
    msg_type: str
    data: bytes
    file_name: str | None = None


def wrap(message: etree._Element | bytes, *, sender_id: str,
         receiver_ids: Sequence[str] = (CUSTOMS_RECEIVER_ID,), msg_type: str | None = None,
         cop_msg_id: str | None = None, file_name: str | None = None,
         created: dt.datetime | None = None) -> etree._Element:
    """``DxpMsg`` around a CEB message (element or its bytes; a signed message must
    be passed as the exact bytes or element that was signed). ``msg_type`` defaults
    to the root name (``CEB621Message``). Validates against the DXP schema."""
    if isinstance(message, bytes):
        data = message
        root = parse(data)
    else:
        root = message
        data = etree.tostring(message, xml_declaration=True, encoding="UTF-8")
    msg_type = msg_type or message_type(root)
    moment = (created or dt.datetime.now(dt.UTC)).astimezone(SHANGHAI)
    env = etree.Element(_NS + "DxpMsg", nsmap={"dxp": DXP_NS}, ver="1.0")
    info = etree.SubElement(env, _NS + "TransInfo")
    etree.SubElement(info, _NS + "CopMsgId").text = cop_msg_id or str(uuid.uuid4())
    etree.SubElement(info, _NS + "SenderId").text = sender_id
    ids = etree.SubElement(info, _NS + "ReceiverIds")
    for rid in receiver_ids:
        etree.SubElement(ids, _NS + "ReceiverId").text = rid
    etree.SubElement(info, _NS + "CreatTime").text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    etree.SubElement(info, _NS + "MsgType").text = msg_type
    etree.SubElement(env, _NS + "Data").text = base64.b64encode(data).decode("ascii")
    if file_name:
        add = etree.SubElement(env, _NS + "AddInfo")
        etree.SubElement(add, _NS + "FileName").text = file_name
    schema = dxp_schema()
    if not schema.validate(env):
        raise ValueError(f"DxpMsg does not validate: {schema.error_log.last_error}")
    return env


def unwrap(envelope: etree._Element | bytes) -> Envelope:
    """Read a ``DxpMsg`` (validated against the DXP schema); ``data`` is the inner
    message's bytes, still to be safe-parsed. Raises ``NotCebMessage``."""
    root = parse(envelope) if isinstance(envelope, bytes) else envelope
    if message_type(root) != "DxpMsg":
        raise NotCebMessage("not a DxpMsg envelope")
    schema = dxp_schema()
    if not schema.validate(root):
        raise NotCebMessage(f"DxpMsg does not validate: {schema.error_log.last_error}")

    def text(path: str) -> str:
        node = root.find(path, namespaces={"d": DXP_NS})
        return (node.text or "").strip() if node is not None else ""

    try:
        data = base64.b64decode(text("d:Data"), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise NotCebMessage(f"DxpMsg Data is not base64: {exc}") from exc
    return Envelope(
        cop_msg_id=text("d:TransInfo/d:CopMsgId"),
        sender_id=text("d:TransInfo/d:SenderId"),
        receiver_ids=tuple((n.text or "").strip() for n in root.iterfind(
            "d:TransInfo/d:ReceiverIds/d:ReceiverId", namespaces={"d": DXP_NS})),
        creat_time=text("d:TransInfo/d:CreatTime"),
        msg_type=text("d:TransInfo/d:MsgType"),
        data=data,
        file_name=text("d:AddInfo/d:FileName") or None,
    )
