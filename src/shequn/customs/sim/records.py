"""What the simulated single window keeps and hands out: receipts, the answer
to a submission, a declaration (CEB621) and a request (a document, a CEB623
cancellation or a CEB625 return). Plain dataclasses, stored as JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from shequn.customs.sim.xmlio import Record

STATUS_TEXT = {
    "1": "电子口岸已暂存", "2": "电子口岸申报中", "3": "发送海关成功", "4": "发送海关失败",
    "100": "海关退单", "120": "海关入库", "300": "人工审核", "399": "海关审结",
    "500": "查验", "800": "放行", "899": "结关",
}


def id_key(number: str) -> str:
    """Quota key of a resident ID: spaces removed, trailing x upper-cased."""
    return "".join(number.split()).upper()


def epoch(moment: dt.datetime) -> float:
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

    @property
    def cop_no(self) -> str:
        return self.head.get("copNo") or self.head.get("guid", "")[:20]


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
