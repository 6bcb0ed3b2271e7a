"""What happens to a submission on arrival: malformed, non-declaration or
schema-invalid input is refused at once with a CEB900; a message seen before
(same root guid) is acknowledged without being processed again; otherwise each
record is filed (a request or a declaration) and its first step scheduled.
Signatures on 621/623/625 are checked here; what a bad one leads to is the
lifecycle's answer."""

from __future__ import annotations

import logging
from typing import Any

from lxml import etree

from shequn.customs.ceb.schema import (
    MAX_BYTES,
    NotCebMessage,
    message_type,
    parse,
    schema_problems,
)
from shequn.customs.sim import xmlio
from shequn.customs.sim.office import Office
from shequn.customs.sim.records import Declaration, Request, SubmitResult
from shequn.customs.sim.signing import load_certs, signature_problem
from shequn.customs.sim.xmlio import Record

log = logging.getLogger("shequn.customs.sim")

DECLARATIONS = ("CEB311Message", "CEB411Message", "CEB511Message", "CEB513Message",
                "CEB621Message", "CEB623Message", "CEB625Message")
DOC_NODES = {"CEB311Message": "Order", "CEB411Message": "Payment",
             "CEB511Message": "Logistics", "CEB513Message": "LogisticsStatus"}
DOC_HEADS = {"CEB311Message": "OrderHead", "CEB411Message": "PaymentHead",
             "CEB511Message": "LogisticsHead"}
SIGNED = ("CEB621Message", "CEB623Message", "CEB625Message")


class Intake:
    def __init__(self, office: Office) -> None:
        self.office = office
        self.books = office.books
        self.certs = load_certs(office.config.trusted_certs)
        self.seen: dict[str, dict[str, Any]] = {}  # message guid → ack

    def submit(self, data: bytes, at: float) -> SubmitResult:
        cop_msg_id, receiver, inner = "", "", data
        try:
            root = parse(data)
            kind = message_type(root)
            if kind == "DxpMsg":
                problems = schema_problems(root)
                if problems:
                    return self._refuse(data, at, "", "DxpMsg", "-2", problems[0].message)
                inner, info = xmlio.unwrap_dxp(root)
                cop_msg_id, receiver = info.get("CopMsgId", ""), info.get("SenderId", "")
                root = parse(inner)
                kind = message_type(root)
        except (NotCebMessage, ValueError) as exc:
            return self._refuse(data, at, cop_msg_id, "Unknown", "-1", str(exc))
        if kind not in DECLARATIONS:
            return self._refuse(inner, at, cop_msg_id, kind, "-1",
                                f"报文类型[{kind}]不是企业申报报文")
        problems = schema_problems(root)
        if problems:
            text = "；".join(str(p) for p in problems[:20])
            return self._refuse(inner, at, cop_msg_id, kind, "-2",
                                f"0002 数据包不能通过schema验证：{text}")
        guid = root.get("guid", "")
        cop_msg_id = cop_msg_id or guid
        seen = self.seen.get(f"{kind}:{guid}")
        if seen is not None:
            # The transport resends after a lost reply: acknowledge, do not process twice.
            return SubmitResult(True, seen["copMsgId"], kind, seen["records"], resubmitted=True)
        transfer = xmlio.child(root, "BaseTransfer")
        receiver = receiver or (xmlio.fields(transfer).get("dxpId", "")
                                if transfer is not None else "")
        problem = ""
        if kind in SIGNED:
            problem = "" if self.office.config.accept_unsigned else (
                signature_problem(inner, self.certs) or "")
        records = self._file(root, kind, at, receiver, problem)
        self.seen[f"{kind}:{guid}"] = {"copMsgId": cop_msg_id, "records": records}
        return SubmitResult(True, cop_msg_id, kind, records)

    def _refuse(self, original: bytes, at: float, cop_msg_id: str, kind: str, status: str,
                info: str) -> SubmitResult:
        log.info("CEB900 %s: %s", kind, info[:200])
        xml = xmlio.ceb900(status, info, xmlio.return_time(at), cop_msg_id, kind,
                           original[:MAX_BYTES])
        if self.office.config.deliver_ceb900:
            self.office.scheduler.emit("CEB900Message", cop_msg_id or "-", status,
                                       xmlio.return_time(at), xml, "", at)
        return SubmitResult(False, cop_msg_id, kind, receipt=xml, error=info)

    def _file(self, root: etree._Element, kind: str, at: float, receiver: str,
              problem: str) -> int:
        """File each record of the message and schedule its first step."""
        delay = self.office.config.eport_delay
        schedule = self.office.scheduler.schedule
        if kind in DOC_NODES:
            nodes = xmlio.children(root, DOC_NODES[kind])
            head_name = DOC_HEADS.get(kind)
            for node in nodes:
                head_node = xmlio.children(node, head_name)[0] if head_name else node
                lines = [xmlio.fields(n) for n in xmlio.children(node, "OrderList")]
                req = self._request(kind, xmlio.fields(head_node), lines, at, receiver)
                schedule(at + delay, "doc_eport", req.id)
            return len(nodes)
        if kind == "CEB621Message":
            nodes = xmlio.children(root, "Inventory")
            for node in nodes:
                head = xmlio.fields(xmlio.children(node, "InventoryHead")[0])
                lines = [xmlio.fields(n) for n in xmlio.children(node, "InventoryList")]
                decl = Declaration(id=self.books.next("D", 6), head=head, lines=lines,
                                   pre_no=self.books.pre_no(at), submitted_at=at,
                                   receiver=receiver, problem=problem)
                self.books.declarations[decl.id] = decl
                schedule(at + delay, "invt_eport", decl.id)
            return len(nodes)
        if kind == "CEB623Message":
            nodes = xmlio.children(root, "InvtCancel")
            for node in nodes:
                req = self._request(kind, xmlio.fields(node), [], at, receiver, problem)
                schedule(at + delay, "cancel_eport", req.id)
            return len(nodes)
        nodes = xmlio.children(root, "InvtRefund")  # CEB625Message
        for node in nodes:
            head = xmlio.fields(xmlio.children(node, "InvtRefundHead")[0])
            lines = [xmlio.fields(n) for n in xmlio.children(node, "InvtRefundList")]
            req = self._request(kind, head, lines, at, receiver, problem)
            schedule(at + delay, "refund_eport", req.id)
        return len(nodes)

    def _request(self, kind: str, head: Record, lines: list[Record], at: float,
                 receiver: str, problem: str = "") -> Request:
        req = Request(id=self.books.next("R", 7), kind=kind, head=head, lines=lines,
                      submitted_at=at, receiver=receiver, problem=problem)
        if kind in ("CEB623Message", "CEB625Message"):
            req.pre_no = self.books.pre_no(at)
        self.books.requests[req.id] = req
        return req

    def dump(self) -> dict[str, Any]:
        return {"seen": self.seen}

    def load(self, state: dict[str, Any]) -> None:
        self.seen = state["seen"]
