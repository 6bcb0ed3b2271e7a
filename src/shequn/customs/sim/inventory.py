"""The lifecycle of an inventory list (CEB621): ``2`` with the E-port's preNo
(or -621029 bad signature, -621004 declared twice, ``1`` when only saved); the
logic check → ``120`` with the invtNo and the buyer's quota consumed, or ``100``
with the reason (三单对碰, ID checksum, random rejection) or -621005 / -621018
(limits); an optional ``300`` / ``500`` hold; ``800`` 放行; the CEB816 tax bill
(status 1); ``899`` 结关. A cancellation under way holds the release back."""

from __future__ import annotations

from decimal import Decimal

from shequn.customs.sim import rules, xmlio
from shequn.customs.sim.office import Office
from shequn.customs.sim.records import STATUS_TEXT, Declaration
from shequn.customs.sim.scheduler import Step

ACCEPT_INFO = "[Code:1800;Desc:逻辑校验通过]"
RELEASE_INFO = "[Code:2600;Desc:放行]"


class InventoryDesk:
    def __init__(self, office: Office) -> None:
        self.office = office
        self.books = office.books
        self.config = office.config

    def steps(self) -> dict[str, Step]:
        return {"invt_eport": self.on_eport, "invt_check": self.on_check,
                "invt_hold": self.on_hold, "invt_release": self.on_release,
                "invt_tax": self.on_tax, "invt_close": self.on_close}

    def receipt(self, decl: Declaration, status: str, info: str, at: float) -> None:
        h = decl.head
        ids = {"guid": h.get("guid", ""), "customsCode": h.get("customsCode", ""),
               "ebpCode": h.get("ebpCode", ""), "ebcCode": h.get("ebcCode", ""),
               "agentCode": h.get("agentCode", ""), "copNo": decl.cop_no,
               "preNo": decl.pre_no, "invtNo": decl.invt_no}
        when = self.books.stamp(f"invt:{decl.id}", at)
        decl.status = status
        decl.history.append({"status": status, "returnTime": when, "returnInfo": info})
        xml = xmlio.receipt("CEB622Message", ids, status, when, info)
        self.office.scheduler.emit("CEB622Message", ids["copNo"], status, when, xml,
                                   decl.receiver, at)

    def on_eport(self, ref: str, at: float) -> None:
        decl = self.books.declarations[ref]
        cop = decl.cop_no
        if decl.problem:
            decl.state = "rejected"
            self.receipt(decl, "-621029", f"验签失败！{decl.problem}", at)
            return
        previous = self.books.declaration_at(f"cop:{decl.head.get('agentCode')}:{cop}")
        if previous is not None and previous.state not in ("rejected", "cancelled", "saved"):
            decl.state = "rejected"
            self.receipt(decl, "-621004", f"清单[{cop}]已经申报过，请勿重复申报", at)
            return
        h, index = decl.head, self.books.index
        index[f"cop:{h.get('agentCode')}:{cop}"] = decl.id
        index[f"copno:{cop}"] = decl.id
        index[f"pre:{decl.pre_no}"] = decl.id
        index[f"order:{h.get('ebpCode')}:{h.get('orderNo')}"] = decl.id
        index[f"waybill:{h.get('logisticsCode')}:{h.get('logisticsNo')}"] = decl.id
        if decl.head.get("appStatus") == "1":
            decl.state = "saved"
            self.receipt(decl, "1", STATUS_TEXT["1"], at)
            return
        decl.state = "declaring"
        self.receipt(decl, "2", f"清单新增申报成功[电商企业编码：{decl.head.get('ebcCode')}"
                                f"订单编号：{decl.head.get('orderNo')}]", at)
        if self.config.emit_sent_status:
            self.receipt(decl, "3", STATUS_TEXT["3"], at)
        self.office.scheduler.schedule(at + self.config.check_delay, "invt_check", decl.id)

    def _documents(self, head: xmlio.Record) -> rules.Documents:
        books = self.books
        order = books.orders.get(f"{head.get('ebpCode')}:{head.get('orderNo')}")
        payment = books.payments.get(
            books.index.get(f"payorder:{head.get('ebpCode')}:{head.get('orderNo')}", ""))
        waybill = books.waybills.get(f"{head.get('logisticsCode')}:{head.get('logisticsNo')}")
        return rules.Documents(order["head"] if order else None,
                               order["lines"] if order else [], payment, waybill)

    def _measure(self, decl: Declaration, docs: rules.Documents) -> Decimal:
        if self.config.quota_measure == "paid" and docs.order is not None:
            return rules.money(docs.order.get("acturalPaid")) or Decimal(0)
        return rules.taxable_price(decl.head, decl.lines)

    def on_check(self, ref: str, at: float) -> None:
        decl = self.books.declarations[ref]
        h, c, rng = decl.head, self.config, self.office.rng
        cop = decl.cop_no
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
        buyer = h.get("buyerIdNumber", "")
        used = self.office.ledger.used(buyer, year)
        if used + amount > annual:
            return self._reject(
                decl, "-621018", f"清单[{cop}]中购买人[{h.get('buyerName')}]已用购买额度为"
                                 f"[{rules.fmt(used)}]，本次购买将超过年度限额[{annual}]", at)
        if c.reject_rate and rng.random() < c.reject_rate:
            reason = rng.choice(c.reject_reasons) if c.reject_reasons else "风险布控"
            return self._reject(decl, "100", f"海关退单：{reason}", at)
        self.office.ledger.set_used(buyer, year, used + amount)
        decl.amount, decl.quota_year = str(amount), year
        decl.invt_no = self._invt_no(h.get("customsCode", "0000"), at)
        self.books.index[f"invt:{decl.invt_no}"] = decl.id
        decl.state = "accepted"
        self.receipt(decl, "120", ACCEPT_INFO, at)
        draw = rng.random() if (c.review_rate or c.inspection_rate) else 1.0
        if draw < c.review_rate:
            decl.hold = "300"
        elif draw < c.review_rate + c.inspection_rate:
            decl.hold = "500"
        if decl.hold:
            self.office.scheduler.schedule(at, "invt_hold", decl.id)
        else:
            self.office.scheduler.schedule(at + c.release_delay, "invt_release", decl.id)

    def _reject(self, decl: Declaration, code: str, info: str, at: float) -> None:
        decl.state = "rejected"
        self.receipt(decl, code, info, at)

    def _invt_no(self, customs_code: str, at: float) -> str:
        # 4-digit customs area + year + I + 9-digit serial (18 characters).
        serial = self.books.next("invt", 9)[4:]
        return f"{customs_code[:4]:0>4}{xmlio.beijing(at).year}I{serial}"

    def on_hold(self, ref: str, at: float) -> None:
        decl = self.books.declarations[ref]
        if decl.state != "accepted":
            return
        decl.state = "held"
        self.receipt(decl, decl.hold, STATUS_TEXT[decl.hold], at)
        self.office.scheduler.schedule(at + self.config.review_delay, "invt_release", decl.id)

    def on_release(self, ref: str, at: float) -> None:
        decl = self.books.declarations[ref]
        if decl.state not in ("accepted", "held"):
            return  # cancelled meanwhile
        if decl.cancel_pending:
            decl.release_waiting = True  # customs decides the cancellation first
            return
        c = self.config
        if (decl.state == "held" and c.hold_reject_rate
                and self.office.rng.random() < c.hold_reject_rate):
            # Review or inspection found a problem: rejected, quota given back.
            self.give_back(decl, Decimal(decl.amount))
            what = "人工审核" if decl.hold == "300" else "查验"
            return self._reject(decl, "100", f"海关退单：{what}不通过", at)
        decl.state, decl.released_at = "released", at
        self.receipt(decl, "800", RELEASE_INFO, at)
        self.office.scheduler.schedule(at + c.tax_delay, "invt_tax", decl.id)
        self.office.scheduler.schedule(at + c.close_delay, "invt_close", decl.id)

    def on_tax(self, ref: str, at: float) -> None:
        decl = self.books.declarations[ref]
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
        when = self.books.stamp(f"invt:{decl.id}", at)
        head = {"guid": xmlio.new_guid(), "returnTime": when, "invtNo": decl.invt_no,
                "taxNo": decl.tax_no, **{k: rules.fmt(v) for k, v in totals.items()},
                "status": "1", "assureCode": h.get("assureCode", ""),
                "ebcCode": h.get("ebcCode", ""), "logisticsCode": h.get("logisticsCode", ""),
                "agentCode": h.get("agentCode", ""), "customsCode": h.get("customsCode", ""),
                "note": "全额征税" if decl.full_tax else "跨境电商综合税(70%)"}
        decl.history.append({"status": "816:1", "returnTime": when, "returnInfo": decl.tax_no})
        self.office.scheduler.emit("CEB816Message", decl.invt_no, "1", when,
                                   xmlio.ceb816(head, lines), decl.receiver, at)

    def on_close(self, ref: str, at: float) -> None:
        decl = self.books.declarations[ref]
        if decl.state != "released":
            return
        decl.state = "closed"
        self.receipt(decl, "899", STATUS_TEXT["899"], at)

    def void_tax(self, decl: Declaration, at: float) -> None:
        """CEB818 status 3: the tax bill is void (cancellation, full return)."""
        if not decl.tax_no:
            return
        when = self.books.stamp(f"invt:{decl.id}", at)
        head = {"guid": xmlio.new_guid(), "returnTime": when, "invtNo": decl.invt_no,
                "taxNo": decl.tax_no, "status": "3",
                "assureCode": decl.head.get("assureCode", "")}
        decl.history.append({"status": "818:3", "returnTime": when, "returnInfo": decl.tax_no})
        self.office.scheduler.emit("CEB818Message", decl.invt_no, "3", when, xmlio.ceb818(head),
                                   decl.receiver, at)

    def give_back(self, decl: Declaration, amount: Decimal) -> None:
        self.office.ledger.give_back(decl.head.get("buyerIdNumber", ""), decl.quota_year,
                                     amount)
