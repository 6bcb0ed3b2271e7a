"""The lifecycles of what follows an inventory list: a cancellation (CEB623:
``2`` → ``120`` → ``399``, the quota given back and a CEB818 status 3 when a tax
bill existed; or -623003 unknown invtNo / -623005 status does not allow it) and
a return (CEB625: ``2`` → ``120`` → ``399`` with partial quantities and the quota
given back; or ``100`` — not released, past the return window, quantity too
large — or -625209, a line not in the inventory)."""

from __future__ import annotations

from decimal import Decimal

from shequn.customs.sim import rules, xmlio
from shequn.customs.sim.inventory import InventoryDesk
from shequn.customs.sim.office import Office
from shequn.customs.sim.records import STATUS_TEXT, Request
from shequn.customs.sim.scheduler import Step

# Fields a cancellation or return must repeat exactly as the inventory had them.
SAME_AS_INVENTORY = ("orderNo", "ebcCode", "buyerIdNumber", "buyerName", "logisticsNo")


class RequestDesk:
    def __init__(self, office: Office, inventory: InventoryDesk) -> None:
        self.office = office
        self.books = office.books
        self.config = office.config
        self.inventory = inventory

    def steps(self) -> dict[str, Step]:
        return {"cancel_eport": self.on_cancel_eport, "cancel_check": self.on_cancel_check,
                "cancel_conclude": self.on_cancel_conclude,
                "refund_eport": self.on_refund_eport, "refund_check": self.on_refund_check,
                "refund_conclude": self.on_refund_conclude}

    def _receipt(self, req: Request, status: str, info: str, at: float) -> None:
        decl = self.books.declarations.get(req.decl_id)
        h = req.head
        msg = "CEB624Message" if req.kind == "CEB623Message" else "CEB626Message"
        cop = h.get("copNo") or (decl.cop_no if decl else h.get("guid", "")[:20])
        ids = {"guid": h.get("guid", ""), "customsCode": h.get("customsCode", ""),
               "agentCode": h.get("agentCode", ""), "ebpCode": h.get("ebpCode", ""),
               "ebcCode": h.get("ebcCode", ""), "copNo": cop, "preNo": req.pre_no,
               "invtNo": h.get("invtNo", "") if len(h.get("invtNo", "")) == 18 else ""}
        when = self.books.stamp(f"req:{req.id}", at)
        req.state = status
        xml = xmlio.receipt(msg, ids, status, when, info)
        self.office.scheduler.emit(msg, cop, status, when, xml, req.receiver, at)

    # ----------------------------------------------------------------- 623

    def on_cancel_eport(self, ref: str, at: float) -> None:
        req = self.books.requests[ref]
        invt_no = req.head.get("invtNo", "")
        if req.problem:
            return self._receipt(req, "-623029", f"验签失败！{req.problem}", at)
        decl_id = self.books.index.get(f"invt:{invt_no}")
        if decl_id is None:
            return self._receipt(req, "-623003",
                                 f"系统中不存在清单编号为[{invt_no}]的清单！", at)
        req.decl_id = decl_id
        earlier = self.books.requests.get(self.books.index.get(f"cancel:{decl_id}", ""))
        if earlier is not None and earlier.state in ("2", "120", "399"):
            return self._receipt(req, "-623009", f"撤单清单[{invt_no}]已经申报过", at)
        if req.head.get("appStatus") == "1":
            return self._receipt(req, "1", STATUS_TEXT["1"], at)
        self.books.index[f"cancel:{decl_id}"] = req.id
        self.books.declarations[decl_id].cancel_pending = True
        self._receipt(req, "2", STATUS_TEXT["2"], at)
        self.office.scheduler.schedule(at + self.config.cancel_delay, "cancel_check", ref)

    def on_cancel_check(self, ref: str, at: float) -> None:
        req = self.books.requests[ref]
        decl = self.books.declarations[req.decl_id]
        allowed = ("accepted", "held") + (
            ("released", "closed") if self.config.cancel_after_release else ())
        problem = ""
        if decl.state not in allowed:
            problem = "state"
        elif any(req.head.get(k) != decl.head.get(k) for k in SAME_AS_INVENTORY):
            problem = "mismatch"
        if problem:
            decl.cancel_pending = False
            if decl.release_waiting:
                decl.release_waiting = False
                self.office.scheduler.schedule(at, "invt_release", decl.id)
            if problem == "state":
                return self._receipt(
                    req, "-623005", f"清单的状态不符合撤单申报要求(清单编号{decl.invt_no})！", at)
            return self._receipt(req, "100", "海关退单：撤单信息与原清单不一致", at)
        self._receipt(req, "120", STATUS_TEXT["120"], at)
        self.office.scheduler.schedule(at + self.config.cancel_delay, "cancel_conclude", ref)

    def on_cancel_conclude(self, ref: str, at: float) -> None:
        req = self.books.requests[ref]
        decl = self.books.declarations[req.decl_id]
        decl.cancel_pending = decl.release_waiting = False
        decl.state = "cancelled"
        self.inventory.give_back(decl, Decimal(decl.amount))
        self._receipt(req, "399", "海关审结：撤单通过", at)
        self.inventory.void_tax(decl, at)

    # ----------------------------------------------------------------- 625

    def on_refund_eport(self, ref: str, at: float) -> None:
        req = self.books.requests[ref]
        invt_no = req.head.get("invtNo", "")
        if req.problem:
            return self._receipt(req, "-625208", f"验签失败！{req.problem}", at)
        decl_id = self.books.index.get(f"invt:{invt_no}")
        if decl_id is None:
            return self._receipt(req, "-625016", f"查无此数据[清单编号：{invt_no}]", at)
        req.decl_id = decl_id
        if req.head.get("appStatus") == "1":
            return self._receipt(req, "1", STATUS_TEXT["1"], at)
        self._receipt(req, "2", STATUS_TEXT["2"], at)
        self.office.scheduler.schedule(at + self.config.refund_delay, "refund_check", ref)

    def on_refund_check(self, ref: str, at: float) -> None:
        req = self.books.requests[ref]
        decl = self.books.declarations[req.decl_id]
        if decl.state not in ("released", "closed") or decl.released_at is None:
            return self._receipt(req, "100", "海关退单：清单未放行，不能申请退货", at)
        days = self.config.return_window_days
        if req.submitted_at > decl.released_at + days * 86400:
            return self._receipt(req, "100", f"海关退单：已超过放行后{days}日退货期限", at)
        if any(req.head.get(k) != decl.head.get(k) for k in SAME_AS_INVENTORY):
            return self._receipt(req, "100", "海关退单：退货申请单信息与原清单不一致", at)
        originals = {line.get("gnum"): line for line in decl.lines}
        cop = decl.cop_no
        for line in req.lines:
            src = originals.get(line.get("gnum"))
            if src is None or src.get("gcode") != line.get("gcode"):
                return self._receipt(
                    req, "-625209", f"退货申请单[{cop}],在关联的清单中未找到表体序号为"
                                    f"[{line.get('gnum')}],商品编号为[{line.get('gcode')}]的数据",
                    at)
            qty = rules.money(line.get("qty")) or Decimal(0)
            left = (rules.money(src.get("qty")) or Decimal(0)) - Decimal(
                decl.returned.get(line.get("gnum", ""), "0"))
            if qty <= 0 or qty > left:
                return self._receipt(
                    req, "100",
                    f"海关退单：第{line.get('gnum')}项退货数量[{qty}]超过可退数量[{left}]", at)
        self._receipt(req, "120", STATUS_TEXT["120"], at)
        self.office.scheduler.schedule(at + self.config.refund_delay, "refund_conclude", ref)

    def on_refund_conclude(self, ref: str, at: float) -> None:
        req = self.books.requests[ref]
        decl = self.books.declarations[req.decl_id]
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
        self.inventory.give_back(decl, amount.quantize(rules.CENT))
        self._receipt(req, "399", "海关审结：退货通过", at)
        if all(Decimal(decl.returned.get(line.get("gnum", ""), "0"))
               >= (rules.money(line.get("qty")) or Decimal(0)) for line in decl.lines):
            self.inventory.void_tax(decl, at)
