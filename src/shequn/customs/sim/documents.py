"""The lifecycle of the three documents (CEB311 order, CEB411 payment, CEB511
waybill) and of the delivery status (CEB513): ``2`` 电子口岸申报中, then ``120``
海关入库 or a negative code (-301010 duplicate order, -301008/-401009/-504011
parameter errors, …); change (appType 2) and delete (3) are refused once an
inventory names the document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shequn.customs.sim import rules, xmlio
from shequn.customs.sim.office import Office
from shequn.customs.sim.records import STATUS_TEXT, Request
from shequn.customs.sim.scheduler import Step

DOC_RECEIPT = {"CEB311Message": "CEB312Message", "CEB411Message": "CEB412Message",
               "CEB511Message": "CEB512Message", "CEB513Message": "CEB514Message"}


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


class DocumentDesk:
    def __init__(self, office: Office) -> None:
        self.office = office
        self.books = office.books
        self._checks: dict[str, Callable[[Request], tuple[str, str]]] = {
            "CEB311Message": self._check_order, "CEB411Message": self._check_payment,
            "CEB511Message": self._check_waybill, "CEB513Message": self._check_status}

    def steps(self) -> dict[str, Step]:
        return {"doc_eport": self.on_eport, "doc_check": self.on_check}

    def _ids(self, req: Request) -> tuple[str, xmlio.Record]:
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

    def _receipt(self, req: Request, status: str, info: str, at: float) -> None:
        key, ids = self._ids(req)
        ids["guid"] = req.head.get("guid", "")
        when = self.books.stamp(key, at)
        xml = xmlio.receipt(DOC_RECEIPT[req.kind], ids, status, when, info)
        self.office.scheduler.emit(DOC_RECEIPT[req.kind], key.split(":", 1)[1], status, when,
                                   xml, req.receiver, at)

    def on_eport(self, ref: str, at: float) -> None:
        req = self.books.requests[ref]
        req.state = "declaring"
        if req.head.get("appStatus") == "1":
            req.state = "saved"
            self._receipt(req, "1", STATUS_TEXT["1"], at)
            return
        self._receipt(req, "2", STATUS_TEXT["2"], at)
        self.office.scheduler.schedule(at + self.office.config.doc_delay, "doc_check", ref)

    def on_check(self, ref: str, at: float) -> None:
        req = self.books.requests[ref]
        code, info = self._checks[req.kind](req)
        req.state = "accepted" if code == "120" else "rejected"
        self._receipt(req, code, info, at)

    def _declared_for_order(self, ebp: str, order_no: str) -> bool:
        return self.books.live(f"order:{ebp}:{order_no}")

    @staticmethod
    def _answer(req: Request, answers: _DocumentAnswers, store: dict[str, Any], key: str,
                declared: bool, problems: list[str], value: Any) -> tuple[str, str]:
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

    def _check_order(self, req: Request) -> tuple[str, str]:
        h = req.head
        key = f"{h.get('ebpCode')}:{h.get('orderNo')}"
        declared = self._declared_for_order(h.get("ebpCode", ""), h.get("orderNo", ""))
        return self._answer(req, _ORDER_ANSWERS, self.books.orders, key, declared,
                            rules.order_problems(h, req.lines),
                            {"head": h, "lines": req.lines})

    def _check_payment(self, req: Request) -> tuple[str, str]:
        h = req.head
        key = f"{h.get('payCode')}:{h.get('payTransactionId')}"
        declared = self._declared_for_order(h.get("ebpCode", ""), h.get("orderNo", ""))
        answer = self._answer(req, _PAYMENT_ANSWERS, self.books.payments, key, declared,
                              rules.payment_problems(h), h)
        if answer[0] == "120" and key in self.books.payments:
            self.books.index[f"payorder:{h.get('ebpCode')}:{h.get('orderNo')}"] = key
        return answer

    def _check_waybill(self, req: Request) -> tuple[str, str]:
        h = req.head
        key = f"{h.get('logisticsCode')}:{h.get('logisticsNo')}"
        return self._answer(req, _WAYBILL_ANSWERS, self.books.waybills, key,
                            self.books.live(f"waybill:{key}"),
                            rules.waybill_problems(h), dict(h))

    def _check_status(self, req: Request) -> tuple[str, str]:
        h = req.head
        waybill = self.books.waybills.get(f"{h.get('logisticsCode')}:{h.get('logisticsNo')}")
        if waybill is None:
            return "100", "海关退单：物流运单不存在"
        if h.get("logisticsStatus") != "S":
            return "100", "海关退单：物流签收状态限定为S"
        waybill["signedAt"] = h.get("logisticsTime", "")
        return "120", STATUS_TEXT["120"]
