"""``SingleWindow``: the customs single window (中国国际贸易单一窗口 / 统一版系统) as
an embeddable, thread-safe object.

``submit`` takes what an enterprise sends (a bare CEB message or a ``DxpMsg``),
refuses malformed or schema-invalid input at once with a CEB900, and otherwise
schedules the steps customs takes. ``tick(now)`` / ``due_receipts(now)`` run the
steps that are due and hand back the receipts, so tests drive time themselves and
never sleep. Receipts are delivered to a callback with retries; fault injection
(rejections, holds, duplicates, reordering) comes from ``SimConfig``.

What customs does, step by step (codes and texts from specs/cbec-customs.md §2.8):

* 311/411/511/513: ``2`` 电子口岸申报中, then ``120`` 海关入库 or a negative
  code (-301010 duplicate order, -301008/-401009/-504011 parameter errors, …).
* 621: ``2`` with the E-port's preNo (or -621029 bad signature, -621004 declared
  twice, ``1`` when only saved); logic check → ``120`` with the invtNo and the
  buyer's quota consumed, or ``100`` with the reason (三单对碰, ID checksum,
  random rejection) or -621005 / -621018 (limits); optional ``300`` / ``500``
  hold; ``800`` 放行; CEB816 tax bill (status 1); ``899`` 结关.
* 623: ``2`` → ``120`` → ``399`` (cancelled, quota given back, CEB818 status 3 when
  a tax bill existed) or -623003 unknown invtNo / -623005 status does not allow it.
* 625: ``2`` → ``120`` → ``399`` (partial quantities, quota given back), or
  ``100`` (not released, more than 30 days after release, quantity too large) or
  -625209 (line not in the inventory).
"""

from __future__ import annotations

import copy
import datetime as dt
import heapq
import json
import logging
import os
import random
import tempfile
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

from shequn.customs.ceb.schema import (
    MAX_BYTES,
    NotCebMessage,
    message_type,
    parse,
    schema_problems,
)
from shequn.customs.sim import rules, xmlio
from shequn.customs.sim.config import SimConfig
from shequn.customs.sim.signing import load_certs, signature_problem
from shequn.customs.sim.xmlio import Record

log = logging.getLogger("shequn.customs.sim")

Clock = Callable[[], dt.datetime]
Deliver = Callable[["Receipt"], None]

DECLARATIONS = ("CEB311Message", "CEB411Message", "CEB511Message", "CEB513Message",
                "CEB621Message", "CEB623Message", "CEB625Message")
DOC_NODES = {"CEB311Message": "Order", "CEB411Message": "Payment",
             "CEB511Message": "Logistics", "CEB513Message": "LogisticsStatus"}
DOC_RECEIPT = {"CEB311Message": "CEB312Message", "CEB411Message": "CEB412Message",
               "CEB511Message": "CEB512Message", "CEB513Message": "CEB514Message"}
STATUS_TEXT = {
    "1": "电子口岸已暂存", "2": "电子口岸申报中", "3": "发送海关成功", "4": "发送海关失败",
    "100": "海关退单", "120": "海关入库", "300": "人工审核", "399": "海关审结",
    "500": "查验", "800": "放行", "899": "结关",
}
ACCEPT_INFO = "[Code:1800;Desc:逻辑校验通过]"
RELEASE_INFO = "[Code:2600;Desc:放行]"
# Internal states of a declaration (not customs codes).
LIVE = ("declaring", "accepted", "held", "released", "closed")


def _id_key(number: str) -> str:
    """Quota key of a resident ID: spaces removed, trailing x upper-cased."""
    return "".join(number.split()).upper()


def _epoch(moment: dt.datetime) -> float:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: pass an aware one (UTC)")
    return moment.timestamp()


@dataclass
class Receipt:
    """One receipt message as customs sends it back."""

    message_type: str       # CEB312Message … CEB626Message, CEB816/818/900Message
    ref: str                # correlation key (copNo, orderNo, logisticsNo, invtNo, CopMsgId)
    status: str             # returnStatus (tax bills: their status)
    return_time: str        # YYYYMMDDhhmmssSSS
    xml: str
    seq: int
    receiver: str = ""      # DXP id of the enterprise the receipt goes to
    duplicate: bool = False  # produced by duplicate injection
    attempts: int = 0       # failed delivery attempts so far

    def body(self) -> bytes:
        return self.xml.encode("utf-8")


@dataclass(frozen=True)
class SubmitResult:
    accepted: bool
    cop_msg_id: str
    message_type: str
    records: int = 0
    receipt: bytes | None = None   # the CEB900 when refused
    error: str = ""
    resubmitted: bool = False      # same message (root guid) seen before: not processed again

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"accepted": self.accepted, "copMsgId": self.cop_msg_id,
                                "messageType": self.message_type, "records": self.records}
        if self.error:
            data["error"] = self.error
        if self.resubmitted:
            data["resubmitted"] = True
        return data


@dataclass
class Declaration:
    """State of one CEB621 inventory (keyed by copNo; invtNo once accepted)."""

    id: str
    head: Record
    lines: list[Record]
    pre_no: str
    submitted_at: float
    receiver: str = ""
    # received/saved/declaring/accepted/held/released/closed/rejected/cancelled
    state: str = "received"
    status: str = ""            # last returnStatus sent
    invt_no: str = ""
    problem: str = ""           # signature problem found on receipt
    amount: str = "0"           # quota measure consumed
    quota_year: str = ""
    full_tax: bool = False
    hold: str = ""
    released_at: float | None = None
    cancel_pending: bool = False
    release_waiting: bool = False
    tax_no: str = ""
    returned: dict[str, str] = field(default_factory=dict)   # gnum → quantity returned
    history: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Request:
    """A CEB623 cancellation or CEB625 return, or a pending 311/411/511/513 record."""

    id: str
    kind: str                   # CEB311Message … CEB625Message
    head: Record
    lines: list[Record]
    submitted_at: float
    receiver: str = ""
    pre_no: str = ""
    decl_id: str = ""
    problem: str = ""
    state: str = "received"


@dataclass
class Outgoing:
    receipt: Receipt
    due: float


@dataclass(frozen=True)
class _DocumentAnswers:
    """Customs' error codes and texts for one document kind (spec ch. 7)."""

    duplicate: tuple[str, str]
    missing: tuple[str, str]
    declared: tuple[str, str]
    invalid: str


_ORDER_ANSWERS = _DocumentAnswers(
    duplicate=("-301010", "已存在相同编号的订单"),
    missing=("-301009", "订单标识(appType)不正确,未找到操作的订单"),
    declared=("-301011", "该订单已向海关申报清单，状态不符"),
    invalid="-301008")
_PAYMENT_ANSWERS = _DocumentAnswers(
    duplicate=("-401007", "已存在相同编号的支付单"),
    missing=("-401006", "支付单标识(appType)不正确,未找到对应操作的支付单"),
    declared=("-401008", "该支付单已向海关申报支付单，状态不符"),
    invalid="-401009")
_WAYBILL_ANSWERS = _DocumentAnswers(
    duplicate=("-504015", "已存在相同编号的运单"),
    missing=("-504014", "运单标识(appType)不正确,未找到操作的运单"),
    declared=("-504016", "该运单已向海关申报运单，状态不符"),
    invalid="-504011")


class SingleWindow:
    """The simulated single window. Thread-safe; all state in memory, optionally
    mirrored to a JSON snapshot file after every change."""

    def __init__(self, config: SimConfig | None = None, *, deliver: Deliver | None = None,
                 clock: Clock | None = None) -> None:
        self.config = config or SimConfig()
        self.deliver = deliver
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._lock = threading.RLock()
        self._certs = load_certs(self.config.trusted_certs)
        self._rng = random.Random(self.config.seed)
        self._seq = 0
        self._events: list[tuple[float, int, str, str]] = []
        self._outgoing: list[Outgoing] = []
        self.dead: list[Receipt] = []
        self.orders: dict[str, dict[str, Any]] = {}
        self.payments: dict[str, Record] = {}
        self.waybills: dict[str, Record] = {}
        self.declarations: dict[str, Declaration] = {}
        self.requests: dict[str, Request] = {}
        self.index: dict[str, str] = {}          # copNo / preNo / invtNo → declaration id
        self.quota: dict[str, dict[str, str]] = {}  # ID number → year → used amount
        self._seen: dict[str, dict[str, Any]] = {}  # message guid → ack
        self._last_time: dict[str, int] = {}  # key → last returnTime, epoch milliseconds
        self._serial: dict[str, int] = {}
        if self.config.snapshot_path and Path(self.config.snapshot_path).exists():
            self._load(Path(self.config.snapshot_path))

    # ------------------------------------------------------------------ intake

    def submit(self, data: bytes, now: dt.datetime | None = None) -> SubmitResult:
        """Receive one message (bare CEB XML or a DxpMsg). Never raises for bad input."""
        at = _epoch(now or self._clock())
        with self._lock:
            result = self._submit(data, at)
            self._save()
        return result

    def _submit(self, data: bytes, at: float) -> SubmitResult:
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
        seen = self._seen.get(f"{kind}:{guid}")
        if seen is not None:
            # The transport resends after a lost reply: acknowledge, do not process twice.
            return SubmitResult(True, seen["copMsgId"], kind, seen["records"], resubmitted=True)
        transfer = xmlio.child(root, "BaseTransfer")
        receiver = receiver or (xmlio.fields(transfer).get("dxpId", "")
                                if transfer is not None else "")
        problem = ""
        if kind in ("CEB621Message", "CEB623Message", "CEB625Message"):
            problem = "" if self.config.accept_unsigned else (
                signature_problem(inner, self._certs) or "")
        records = self._intake(root, kind, at, receiver, problem)
        self._seen[f"{kind}:{guid}"] = {"copMsgId": cop_msg_id, "records": records}
        return SubmitResult(True, cop_msg_id, kind, records)

    def _refuse(self, original: bytes, at: float, cop_msg_id: str, kind: str, status: str,
                info: str) -> SubmitResult:
        log.info("CEB900 %s: %s", kind, info[:200])
        xml = xmlio.ceb900(status, info, xmlio.return_time(at), cop_msg_id, kind,
                           original[:MAX_BYTES])
        if self.config.deliver_ceb900:
            self._emit("CEB900Message", cop_msg_id or "-", status, xmlio.return_time(at), xml,
                       "", at)
        return SubmitResult(False, cop_msg_id, kind, receipt=xml, error=info)

    def _intake(self, root: etree._Element, kind: str, at: float, receiver: str,
                problem: str) -> int:
        c = self.config
        if kind in DOC_NODES:
            nodes = xmlio.children(root, DOC_NODES[kind])
            head_name = {"CEB311Message": "OrderHead", "CEB411Message": "PaymentHead",
                         "CEB511Message": "LogisticsHead"}.get(kind)
            for node in nodes:
                head_node = xmlio.children(node, head_name)[0] if head_name else node
                lines = [xmlio.fields(n) for n in xmlio.children(node, "OrderList")]
                req = self._request(kind, xmlio.fields(head_node), lines, at, receiver)
                self._schedule(at + c.eport_delay, "doc_eport", req.id)
            return len(nodes)
        if kind == "CEB621Message":
            nodes = xmlio.children(root, "Inventory")
            for node in nodes:
                head = xmlio.fields(xmlio.children(node, "InventoryHead")[0])
                lines = [xmlio.fields(n) for n in xmlio.children(node, "InventoryList")]
                decl = Declaration(id=self._next("D", 6), head=head, lines=lines,
                                   pre_no=self._pre_no(at), submitted_at=at,
                                   receiver=receiver, problem=problem)
                self.declarations[decl.id] = decl
                self._schedule(at + c.eport_delay, "invt_eport", decl.id)
            return len(nodes)
        if kind == "CEB623Message":
            nodes = xmlio.children(root, "InvtCancel")
            for node in nodes:
                req = self._request(kind, xmlio.fields(node), [], at, receiver, problem)
                self._schedule(at + c.eport_delay, "cancel_eport", req.id)
            return len(nodes)
        nodes = xmlio.children(root, "InvtRefund")  # CEB625Message
        for node in nodes:
            head = xmlio.fields(xmlio.children(node, "InvtRefundHead")[0])
            lines = [xmlio.fields(n) for n in xmlio.children(node, "InvtRefundList")]
            req = self._request(kind, head, lines, at, receiver, problem)
            self._schedule(at + c.eport_delay, "refund_eport", req.id)
        return len(nodes)

    def _request(self, kind: str, head: Record, lines: list[Record], at: float,
                 receiver: str, problem: str = "") -> Request:
        req = Request(id=self._next("R", 7), kind=kind, head=head, lines=lines,
                      submitted_at=at, receiver=receiver, problem=problem)
        if kind in ("CEB623Message", "CEB625Message"):
            req.pre_no = self._pre_no(at)
        self.requests[req.id] = req
        return req

    # --------------------------------------------------------------- scheduler

    def tick(self, now: dt.datetime | None = None) -> list[Receipt]:
        """Run every step due by ``now`` and deliver the receipts that are due
        (to ``deliver``; failures are retried with backoff). Returns what was
        handed to ``deliver`` (or would have been, when there is none)."""
        at = _epoch(now or self._clock())
        batch = self.due_receipts(now or dt.datetime.fromtimestamp(at, dt.UTC))
        if self.deliver is None:
            return batch
        failed: list[Receipt] = []
        for item in batch:
            try:
                self.deliver(item)
            except Exception as exc:  # any failure of the receiver is retried
                log.warning("delivery of %s %s failed: %s", item.message_type, item.ref, exc)
                failed.append(item)
        if failed:
            with self._lock:
                for item in failed:
                    self._retry(item, at)
                self._save()
        return batch

    def due_receipts(self, now: dt.datetime | None = None) -> list[Receipt]:
        """Run the due steps and take the receipts due by ``now`` off the queue,
        without delivering them (the caller delivers)."""
        at = _epoch(now or self._clock())
        with self._lock:
            steps = self._run(at)
            due = sorted((o for o in self._outgoing if o.due <= at),
                         key=lambda o: (o.due, o.receipt.seq))
            self._outgoing = [o for o in self._outgoing if o.due > at]
            batch = [o.receipt for o in due]
            window = self.config.reorder_window
            if window > 1:
                for start in range(0, len(batch), window):
                    chunk = batch[start:start + window]
                    self._rng.shuffle(chunk)
                    batch[start:start + window] = chunk
            if steps or batch:
                self._save()
        return batch

    def _retry(self, item: Receipt, at: float) -> None:
        item.attempts += 1
        if item.attempts >= self.config.max_attempts:
            log.error("giving up on %s %s after %d attempts", item.message_type, item.ref,
                      item.attempts)
            self.dead.append(item)
            return
        delay = self.config.retry_backoff * (2 ** (item.attempts - 1))
        self._outgoing.append(Outgoing(item, at + delay))

    def pending(self) -> int:
        """Steps and receipts still to come (0 when the simulator is idle)."""
        with self._lock:
            return len(self._events) + len(self._outgoing)

    def next_due(self) -> float | None:
        with self._lock:
            times = [e[0] for e in self._events] + [o.due for o in self._outgoing]
            return min(times) if times else None

    def _schedule(self, due: float, kind: str, ref: str) -> None:
        self._seq += 1
        heapq.heappush(self._events, (due, self._seq, kind, ref))

    def _run(self, at: float) -> int:
        done = 0
        while self._events and self._events[0][0] <= at:
            due, _, kind, ref = heapq.heappop(self._events)
            getattr(self, f"_on_{kind}")(ref, due)
            done += 1
        return done

    def _emit(self, msg_type: str, ref: str, status: str, when: str, xml: bytes,
              receiver: str, at: float) -> None:
        self._seq += 1
        item = Receipt(msg_type, ref, status, when, xml.decode("utf-8"), self._seq, receiver)
        jitter = self._rng.uniform(0, self.config.reorder_jitter) \
            if self.config.reorder_jitter else 0.0
        self._outgoing.append(Outgoing(item, at + jitter))
        if self.config.duplicate_rate and self._rng.random() < self.config.duplicate_rate:
            twin = copy.copy(item)
            self._seq += 1
            twin.seq, twin.duplicate = self._seq, True
            self._outgoing.append(Outgoing(twin, at + jitter))

    def _stamp(self, key: str, at: float) -> str:
        """returnTime, strictly increasing per declaration (1 ms apart at least)."""
        # Whole milliseconds, as rendered: a later receipt never shows an equal time.
        ms = max(round(at * 1000), int(self._last_time.get(key, -1)) + 1)
        self._last_time[key] = ms
        return xmlio.return_time(ms / 1000)

    def _next(self, prefix: str, width: int) -> str:
        self._serial[prefix] = self._serial.get(prefix, 0) + 1
        return f"{prefix}{self._serial[prefix]:0{width}d}"

    def _pre_no(self, at: float) -> str:
        # E-port pre-entry number: "B" + YYYYMMDD + 9-digit serial (18 characters).
        return "B" + xmlio.beijing(at).strftime("%Y%m%d") + self._next("pre", 9)[3:]

    # ----------------------------------------------------- 311 / 411 / 511 / 513

    def _doc_ids(self, req: Request) -> tuple[str, Record]:
        h = req.head
        if req.kind == "CEB311Message":
            ids = {"ebpCode": h.get("ebpCode", ""), "ebcCode": h.get("ebcCode", ""),
                   "orderNo": h.get("orderNo", "")}
            return f"order:{ids['ebpCode']}:{ids['orderNo']}", ids
        if req.kind == "CEB411Message":
            ids = {"payCode": h.get("payCode", ""),
                   "payTransactionId": h.get("payTransactionId", "")}
            return f"pay:{ids['payCode']}:{ids['payTransactionId']}", ids
        ids = {"logisticsCode": h.get("logisticsCode", ""),
               "logisticsNo": h.get("logisticsNo", "")}
        if req.kind == "CEB513Message":
            ids["logisticsStatus"] = h.get("logisticsStatus", "")
            return f"status:{ids['logisticsCode']}:{ids['logisticsNo']}", ids
        return f"waybill:{ids['logisticsCode']}:{ids['logisticsNo']}", ids

    def _doc_receipt(self, req: Request, status: str, info: str, at: float) -> None:
        key, ids = self._doc_ids(req)
        ids["guid"] = req.head.get("guid", "")
        when = self._stamp(key, at)
        xml = xmlio.receipt(DOC_RECEIPT[req.kind], ids, status, when, info)
        self._emit(DOC_RECEIPT[req.kind], key.split(":", 1)[1], status, when, xml,
                   req.receiver, at)

    def _on_doc_eport(self, ref: str, at: float) -> None:
        req = self.requests[ref]
        req.state = "declaring"
        if req.head.get("appStatus") == "1":
            req.state = "saved"
            self._doc_receipt(req, "1", STATUS_TEXT["1"], at)
            return
        self._doc_receipt(req, "2", STATUS_TEXT["2"], at)
        self._schedule(at + self.config.doc_delay, "doc_check", ref)

    def _on_doc_check(self, ref: str, at: float) -> None:
        req = self.requests[ref]
        code, info = getattr(self, f"_check_{req.kind[:6].lower()}")(req)
        req.state = "accepted" if code == "120" else "rejected"
        self._doc_receipt(req, code, info, at)

    def _live(self, index_key: str) -> bool:
        """Whether the declaration indexed under ``index_key`` is still alive."""
        decl = self.declarations.get(self.index.get(index_key, ""))
        return decl is not None and decl.state in LIVE

    def _declared_for_order(self, ebp: str, order_no: str) -> bool:
        return self._live(f"order:{ebp}:{order_no}")

    def _check_document(self, req: Request, answers: _DocumentAnswers,
                        store: dict[str, Any], key: str, declared: bool,
                        problems: list[str], value: Any) -> tuple[str, str]:
        """What customs answers to an order, payment or waybill: new (appType 1),
        change (2) or delete (3), refused once an inventory names it."""
        app_type, exists = req.head.get("appType"), key in store
        if app_type == "1" and exists:
            return answers.duplicate
        if app_type in ("2", "3"):
            if not exists:
                return answers.missing
            if declared:
                return answers.declared
        if app_type == "3":
            del store[key]
            return "120", STATUS_TEXT["120"]
        if problems:
            return answers.invalid, "参数校验不通过，" + "；".join(problems)
        store[key] = value
        return "120", STATUS_TEXT["120"]

    def _check_ceb311(self, req: Request) -> tuple[str, str]:
        h = req.head
        key = f"{h.get('ebpCode')}:{h.get('orderNo')}"
        declared = self._declared_for_order(h.get("ebpCode", ""), h.get("orderNo", ""))
        return self._check_document(req, _ORDER_ANSWERS, self.orders, key, declared,
                                    rules.order_problems(h, req.lines),
                                    {"head": h, "lines": req.lines})

    def _check_ceb411(self, req: Request) -> tuple[str, str]:
        h = req.head
        key = f"{h.get('payCode')}:{h.get('payTransactionId')}"
        declared = self._declared_for_order(h.get("ebpCode", ""), h.get("orderNo", ""))
        answer = self._check_document(req, _PAYMENT_ANSWERS, self.payments, key, declared,
                                      rules.payment_problems(h), h)
        if answer[0] == "120" and key in self.payments:
            self.index[f"payorder:{h.get('ebpCode')}:{h.get('orderNo')}"] = key
        return answer

    def _check_ceb511(self, req: Request) -> tuple[str, str]:
        h = req.head
        key = f"{h.get('logisticsCode')}:{h.get('logisticsNo')}"
        return self._check_document(req, _WAYBILL_ANSWERS, self.waybills, key,
                                     self._live(f"waybill:{key}"),
                                     rules.waybill_problems(h), dict(h))

    def _check_ceb513(self, req: Request) -> tuple[str, str]:
        h = req.head
        waybill = self.waybills.get(f"{h.get('logisticsCode')}:{h.get('logisticsNo')}")
        if waybill is None:
            return "100", "海关退单：物流运单不存在"
        if h.get("logisticsStatus") != "S":
            return "100", "海关退单：物流签收状态限定为S"
        waybill["signedAt"] = h.get("logisticsTime", "")
        return "120", STATUS_TEXT["120"]

    # --------------------------------------------------------------------- 621

    def _invt_receipt(self, decl: Declaration, status: str, info: str, at: float) -> None:
        h = decl.head
        ids = {"guid": h.get("guid", ""), "customsCode": h.get("customsCode", ""),
               "ebpCode": h.get("ebpCode", ""), "ebcCode": h.get("ebcCode", ""),
               "agentCode": h.get("agentCode", ""), "copNo": self._cop_no(decl),
               "preNo": decl.pre_no, "invtNo": decl.invt_no}
        when = self._stamp(f"invt:{decl.id}", at)
        decl.status = status
        decl.history.append({"status": status, "returnTime": when, "returnInfo": info})
        xml = xmlio.receipt("CEB622Message", ids, status, when, info)
        self._emit("CEB622Message", ids["copNo"], status, when, xml, decl.receiver, at)

    @staticmethod
    def _cop_no(decl: Declaration) -> str:
        return decl.head.get("copNo") or decl.head.get("guid", "")[:20]

    def _on_invt_eport(self, ref: str, at: float) -> None:
        decl = self.declarations[ref]
        cop = self._cop_no(decl)
        if decl.problem:
            decl.state = "rejected"
            self._invt_receipt(decl, "-621029", f"验签失败！{decl.problem}", at)
            return
        previous = self.declarations.get(self.index.get(f"cop:{decl.head.get('agentCode')}:{cop}",
                                                        ""))
        if previous is not None and previous.state not in ("rejected", "cancelled", "saved"):
            decl.state = "rejected"
            self._invt_receipt(decl, "-621004", f"清单[{cop}]已经申报过，请勿重复申报", at)
            return
        h = decl.head
        self.index[f"cop:{h.get('agentCode')}:{cop}"] = decl.id
        self.index[f"copno:{cop}"] = decl.id
        self.index[f"pre:{decl.pre_no}"] = decl.id
        self.index[f"order:{h.get('ebpCode')}:{h.get('orderNo')}"] = decl.id
        self.index[f"waybill:{h.get('logisticsCode')}:{h.get('logisticsNo')}"] = decl.id
        if decl.head.get("appStatus") == "1":
            decl.state = "saved"
            self._invt_receipt(decl, "1", STATUS_TEXT["1"], at)
            return
        decl.state = "declaring"
        self._invt_receipt(decl, "2", f"清单新增申报成功[电商企业编码：{decl.head.get('ebcCode')}"
                                      f"订单编号：{decl.head.get('orderNo')}]", at)
        if self.config.emit_sent_status:
            self._invt_receipt(decl, "3", STATUS_TEXT["3"], at)
        self._schedule(at + self.config.check_delay, "invt_check", decl.id)

    def _documents(self, head: Record) -> rules.Documents:
        order = self.orders.get(f"{head.get('ebpCode')}:{head.get('orderNo')}")
        payment = self.payments.get(
            self.index.get(f"payorder:{head.get('ebpCode')}:{head.get('orderNo')}", ""))
        waybill = self.waybills.get(f"{head.get('logisticsCode')}:{head.get('logisticsNo')}")
        return rules.Documents(order["head"] if order else None,
                               order["lines"] if order else [], payment, waybill)

    def _measure(self, decl: Declaration, docs: rules.Documents) -> Decimal:
        if self.config.quota_measure == "paid" and docs.order is not None:
            return rules.money(docs.order.get("acturalPaid")) or Decimal(0)
        return rules.taxable_price(decl.head, decl.lines)

    def _on_invt_check(self, ref: str, at: float) -> None:
        decl = self.declarations[ref]
        h, c = decl.head, self.config
        cop = self._cop_no(decl)
        docs = self._documents(h)
        problems = rules.inventory_problems(h, decl.lines)
        id_problem = rules.id_problem(h.get("buyerIdNumber", ""))
        if id_problem:
            problems.append(id_problem)
        problems += rules.matching_problems(h, decl.lines, docs, c.payer_must_be_buyer)
        if problems:
            return self._reject(decl, "100", "海关退单：" + "；".join(problems), at)
        amount = self._measure(decl, docs)
        single, annual = Decimal(c.single_limit), Decimal(c.annual_limit)
        decl.full_tax = amount > single
        if decl.full_tax and not rules.sole_item(decl.lines):
            return self._reject(decl, "-621005",
                                f"清单[{cop}]的购买金额超过单笔限额[{single}]", at)
        year = str(xmlio.beijing(at).year)
        buyer = _id_key(h.get("buyerIdNumber", ""))
        used = Decimal(self.quota.get(buyer, {}).get(year, "0"))
        if used + amount > annual:
            return self._reject(
                decl, "-621018", f"清单[{cop}]中购买人[{h.get('buyerName')}]已用购买额度为"
                                 f"[{rules.fmt(used)}]，本次购买将超过年度限额[{annual}]", at)
        if c.reject_rate and self._rng.random() < c.reject_rate:
            reason = self._rng.choice(c.reject_reasons) if c.reject_reasons else "风险布控"
            return self._reject(decl, "100", f"海关退单：{reason}", at)
        self.quota.setdefault(buyer, {})[year] = str(used + amount)
        decl.amount, decl.quota_year = str(amount), year
        decl.invt_no = self._invt_no(h.get("customsCode", "0000"), at)
        self.index[f"invt:{decl.invt_no}"] = decl.id
        decl.state = "accepted"
        self._invt_receipt(decl, "120", ACCEPT_INFO, at)
        draw = self._rng.random() if (c.review_rate or c.inspection_rate) else 1.0
        if draw < c.review_rate:
            decl.hold = "300"
        elif draw < c.review_rate + c.inspection_rate:
            decl.hold = "500"
        if decl.hold:
            self._schedule(at, "invt_hold", decl.id)
        else:
            self._schedule(at + c.release_delay, "invt_release", decl.id)

    def _reject(self, decl: Declaration, code: str, info: str, at: float) -> None:
        decl.state = "rejected"
        self._invt_receipt(decl, code, info, at)

    def _invt_no(self, customs_code: str, at: float) -> str:
        # 4-digit customs area + year + I + 9-digit serial (18 characters).
        serial = self._next("invt", 9)[4:]
        return f"{customs_code[:4]:0>4}{xmlio.beijing(at).year}I{serial}"

    def _on_invt_hold(self, ref: str, at: float) -> None:
        decl = self.declarations[ref]
        if decl.state != "accepted":
            return
        decl.state = "held"
        self._invt_receipt(decl, decl.hold, STATUS_TEXT[decl.hold], at)
        self._schedule(at + self.config.review_delay, "invt_release", decl.id)

    def _on_invt_release(self, ref: str, at: float) -> None:
        decl = self.declarations[ref]
        if decl.state not in ("accepted", "held"):
            return  # cancelled meanwhile
        if decl.cancel_pending:
            decl.release_waiting = True  # customs decides the cancellation first
            return
        c = self.config
        if decl.state == "held" and c.hold_reject_rate and self._rng.random() < c.hold_reject_rate:
            # Review or inspection found a problem: rejected, quota given back.
            self._give_back(decl, Decimal(decl.amount))
            what = "人工审核" if decl.hold == "300" else "查验"
            return self._reject(decl, "100", f"海关退单：{what}不通过", at)
        decl.state, decl.released_at = "released", at
        self._invt_receipt(decl, "800", RELEASE_INFO, at)
        self._schedule(at + self.config.tax_delay, "invt_tax", decl.id)
        self._schedule(at + self.config.close_delay, "invt_close", decl.id)

    def _on_invt_tax(self, ref: str, at: float) -> None:
        decl = self.declarations[ref]
        if decl.state == "cancelled":
            return
        c = self.config
        lines = rules.tax_lines(decl.head, decl.lines, full=decl.full_tax, vat_rate=c.vat_rate,
                                ct_rates=c.ct_rates, tariff_rates=c.tariff_rates,
                                vat_rates=c.vat_rates)
        totals = {k: sum((Decimal(line[k]) for line in lines), Decimal(0))
                  for k in ("customsTax", "valueAddedTax", "consumptionTax")}
        decl.tax_no = f"{decl.invt_no}_0"
        h = decl.head
        when = self._stamp(f"invt:{decl.id}", at)
        head = {"guid": xmlio.new_guid(), "returnTime": when, "invtNo": decl.invt_no,
                "taxNo": decl.tax_no, **{k: rules.fmt(v) for k, v in totals.items()},
                "status": "1", "assureCode": h.get("assureCode", ""),
                "ebcCode": h.get("ebcCode", ""), "logisticsCode": h.get("logisticsCode", ""),
                "agentCode": h.get("agentCode", ""), "customsCode": h.get("customsCode", ""),
                "note": "全额征税" if decl.full_tax else "跨境电商综合税(70%)"}
        decl.history.append({"status": "816:1", "returnTime": when, "returnInfo": decl.tax_no})
        self._emit("CEB816Message", decl.invt_no, "1", when, xmlio.ceb816(head, lines),
                   decl.receiver, at)

    def _on_invt_close(self, ref: str, at: float) -> None:
        decl = self.declarations[ref]
        if decl.state != "released":
            return
        decl.state = "closed"
        self._invt_receipt(decl, "899", STATUS_TEXT["899"], at)

    def _void_tax(self, decl: Declaration, at: float) -> None:
        if not decl.tax_no:
            return
        when = self._stamp(f"invt:{decl.id}", at)
        head = {"guid": xmlio.new_guid(), "returnTime": when, "invtNo": decl.invt_no,
                "taxNo": decl.tax_no, "status": "3",
                "assureCode": decl.head.get("assureCode", "")}
        decl.history.append({"status": "818:3", "returnTime": when, "returnInfo": decl.tax_no})
        self._emit("CEB818Message", decl.invt_no, "3", when, xmlio.ceb818(head),
                   decl.receiver, at)

    def _give_back(self, decl: Declaration, amount: Decimal) -> None:
        buyer = _id_key(decl.head.get("buyerIdNumber", ""))
        years = self.quota.setdefault(buyer, {})
        used = Decimal(years.get(decl.quota_year, "0"))
        years[decl.quota_year] = str(max(used - amount, Decimal(0)))

    # -------------------------------------------------------------- 623 / 625

    def _req_receipt(self, req: Request, status: str, info: str, at: float) -> None:
        decl = self.declarations.get(req.decl_id)
        h = req.head
        msg = "CEB624Message" if req.kind == "CEB623Message" else "CEB626Message"
        cop = h.get("copNo") or (self._cop_no(decl) if decl else h.get("guid", "")[:20])
        ids = {"guid": h.get("guid", ""), "customsCode": h.get("customsCode", ""),
               "agentCode": h.get("agentCode", ""), "ebpCode": h.get("ebpCode", ""),
               "ebcCode": h.get("ebcCode", ""), "copNo": cop, "preNo": req.pre_no,
               "invtNo": h.get("invtNo", "") if len(h.get("invtNo", "")) == 18 else ""}
        when = self._stamp(f"req:{req.id}", at)
        req.state = status
        xml = xmlio.receipt(msg, ids, status, when, info)
        self._emit(msg, cop, status, when, xml, req.receiver, at)

    def _on_cancel_eport(self, ref: str, at: float) -> None:
        req = self.requests[ref]
        invt_no = req.head.get("invtNo", "")
        if req.problem:
            return self._req_receipt(req, "-623029", f"验签失败！{req.problem}", at)
        decl_id = self.index.get(f"invt:{invt_no}")
        if decl_id is None:
            return self._req_receipt(req, "-623003",
                                     f"系统中不存在清单编号为[{invt_no}]的清单！", at)
        req.decl_id = decl_id
        earlier = self.requests.get(self.index.get(f"cancel:{decl_id}", ""))
        if earlier is not None and earlier.state in ("2", "120", "399"):
            return self._req_receipt(req, "-623009", f"撤单清单[{invt_no}]已经申报过", at)
        if req.head.get("appStatus") == "1":
            return self._req_receipt(req, "1", STATUS_TEXT["1"], at)
        self.index[f"cancel:{decl_id}"] = req.id
        self.declarations[decl_id].cancel_pending = True
        self._req_receipt(req, "2", STATUS_TEXT["2"], at)
        self._schedule(at + self.config.cancel_delay, "cancel_check", ref)

    def _on_cancel_check(self, ref: str, at: float) -> None:
        req = self.requests[ref]
        decl = self.declarations[req.decl_id]
        allowed = ("accepted", "held") + (
            ("released", "closed") if self.config.cancel_after_release else ())
        problem = ""
        if decl.state not in allowed:
            problem = "state"
        elif any(req.head.get(k) != decl.head.get(k) for k in (
                "orderNo", "ebcCode", "buyerIdNumber", "buyerName", "logisticsNo")):
            problem = "mismatch"
        if problem:
            decl.cancel_pending = False
            if decl.release_waiting:
                decl.release_waiting = False
                self._schedule(at, "invt_release", decl.id)
            if problem == "state":
                return self._req_receipt(
                    req, "-623005", f"清单的状态不符合撤单申报要求(清单编号{decl.invt_no})！", at)
            return self._req_receipt(req, "100", "海关退单：撤单信息与原清单不一致", at)
        self._req_receipt(req, "120", STATUS_TEXT["120"], at)
        self._schedule(at + self.config.cancel_delay, "cancel_conclude", ref)

    def _on_cancel_conclude(self, ref: str, at: float) -> None:
        req = self.requests[ref]
        decl = self.declarations[req.decl_id]
        decl.cancel_pending = decl.release_waiting = False
        decl.state = "cancelled"
        self._give_back(decl, Decimal(decl.amount))
        self._req_receipt(req, "399", "海关审结：撤单通过", at)
        self._void_tax(decl, at)

    def _on_refund_eport(self, ref: str, at: float) -> None:
        req = self.requests[ref]
        invt_no = req.head.get("invtNo", "")
        if req.problem:
            return self._req_receipt(req, "-625208", f"验签失败！{req.problem}", at)
        decl_id = self.index.get(f"invt:{invt_no}")
        if decl_id is None:
            return self._req_receipt(req, "-625016", f"查无此数据[清单编号：{invt_no}]", at)
        req.decl_id = decl_id
        if req.head.get("appStatus") == "1":
            return self._req_receipt(req, "1", STATUS_TEXT["1"], at)
        self._req_receipt(req, "2", STATUS_TEXT["2"], at)
        self._schedule(at + self.config.refund_delay, "refund_check", ref)

    def _on_refund_check(self, ref: str, at: float) -> None:
        req = self.requests[ref]
        decl = self.declarations[req.decl_id]
        if decl.state not in ("released", "closed") or decl.released_at is None:
            return self._req_receipt(req, "100", "海关退单：清单未放行，不能申请退货", at)
        days = self.config.return_window_days
        if req.submitted_at > decl.released_at + days * 86400:
            return self._req_receipt(req, "100", f"海关退单：已超过放行后{days}日退货期限", at)
        if any(req.head.get(k) != decl.head.get(k) for k in (
                "orderNo", "ebcCode", "buyerIdNumber", "buyerName", "logisticsNo")):
            return self._req_receipt(req, "100", "海关退单：退货申请单信息与原清单不一致", at)
        originals = {line.get("gnum"): line for line in decl.lines}
        cop = self._cop_no(decl)
        for line in req.lines:
            src = originals.get(line.get("gnum"))
            if src is None or src.get("gcode") != line.get("gcode"):
                return self._req_receipt(
                    req, "-625209", f"退货申请单[{cop}],在关联的清单中未找到表体序号为"
                                    f"[{line.get('gnum')}],商品编号为[{line.get('gcode')}]的数据",
                    at)
            qty = rules.money(line.get("qty")) or Decimal(0)
            left = (rules.money(src.get("qty")) or Decimal(0)) - Decimal(
                decl.returned.get(line.get("gnum", ""), "0"))
            if qty <= 0 or qty > left:
                return self._req_receipt(
                    req, "100",
                    f"海关退单：第{line.get('gnum')}项退货数量[{qty}]超过可退数量[{left}]", at)
        self._req_receipt(req, "120", STATUS_TEXT["120"], at)
        self._schedule(at + self.config.refund_delay, "refund_conclude", ref)

    def _on_refund_conclude(self, ref: str, at: float) -> None:
        req = self.requests[ref]
        decl = self.declarations[req.decl_id]
        originals = {line.get("gnum"): line for line in decl.lines}
        amount = Decimal(0)
        for line in req.lines:
            gnum = line.get("gnum", "")
            src = originals[gnum]
            qty = rules.money(line.get("qty")) or Decimal(0)
            total, orig_qty = rules.money(src.get("totalPrice")), rules.money(src.get("qty"))
            if total is not None and orig_qty:
                amount += total * qty / orig_qty
            decl.returned[gnum] = str(Decimal(decl.returned.get(gnum, "0")) + qty)
        self._give_back(decl, amount.quantize(rules.CENT))
        self._req_receipt(req, "399", "海关审结：退货通过", at)
        if all(Decimal(decl.returned.get(line.get("gnum", ""), "0"))
               >= (rules.money(line.get("qty")) or Decimal(0)) for line in decl.lines):
            self._void_tax(decl, at)

    # -------------------------------------------------------------- queries

    def declaration(self, key: str) -> dict[str, Any] | None:
        """State of a declaration by invtNo, preNo or copNo (debugging, GET endpoint)."""
        with self._lock:
            decl_id = (self.index.get(f"invt:{key}") or self.index.get(f"pre:{key}")
                       or self.index.get(f"copno:{key}"))
            if decl_id is None:
                return None
            decl = self.declarations[decl_id]
            return {"copNo": self._cop_no(decl), "preNo": decl.pre_no, "invtNo": decl.invt_no,
                    "orderNo": decl.head.get("orderNo"), "state": decl.state,
                    "status": decl.status, "taxNo": decl.tax_no, "returned": decl.returned,
                    "history": list(decl.history)}

    def quota_used(self, id_number: str, year: int) -> Decimal:
        with self._lock:
            return Decimal(self.quota.get(_id_key(id_number), {}).get(str(year), "0"))

    def set_quota_used(self, id_number: str, year: int, amount: Decimal | str) -> None:
        """Preset a buyer's used annual quota (purchases made elsewhere)."""
        with self._lock:
            self.quota.setdefault(_id_key(id_number), {})[str(year)] = str(Decimal(amount))
            self._save()

    # -------------------------------------------------------------- snapshot

    def _save(self) -> None:
        path = self.config.snapshot_path
        if not path:
            return
        state = {
            "seq": self._seq, "serial": self._serial, "events": self._events,
            "outgoing": [asdict(o) for o in self._outgoing],
            "dead": [asdict(r) for r in self.dead],
            "orders": self.orders, "payments": self.payments, "waybills": self.waybills,
            "declarations": {k: asdict(v) for k, v in self.declarations.items()},
            "requests": {k: asdict(v) for k, v in self.requests.items()},
            "index": self.index, "quota": self.quota, "seen": self._seen,
            "last_time": self._last_time, "rng": self._rng.getstate(),
        }
        target = Path(path)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".sim-", suffix=".json")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(state, fh, ensure_ascii=False)
        os.replace(tmp, target)  # atomic: a crash leaves the old or the new snapshot

    def _load(self, path: Path) -> None:
        state = json.loads(path.read_text(encoding="utf-8"))
        self._seq, self._serial = state["seq"], state["serial"]
        self._events = [tuple(e) for e in state["events"]]  # type: ignore[misc]
        heapq.heapify(self._events)
        self._outgoing = [Outgoing(Receipt(**o["receipt"]), o["due"])
                          for o in state["outgoing"]]
        self.dead = [Receipt(**r) for r in state["dead"]]
        self.orders, self.payments = state["orders"], state["payments"]
        self.waybills = state["waybills"]
        self.declarations = {k: Declaration(**v) for k, v in state["declarations"].items()}
        self.requests = {k: Request(**v) for k, v in state["requests"].items()}
        self.index, self.quota, self._seen = state["index"], state["quota"], state["seen"]
        self._last_time = state["last_time"]
        version, internal, gauss = state["rng"]
        self._rng.setstate((version, tuple(internal), gauss))
