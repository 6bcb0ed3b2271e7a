"""The single-window simulator in embedded mode, driven by ``tick(now)``."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from lxml import etree

from shequn.customs.ceb.schema import CEB_NS, parse, schema_problems
from shequn.customs.sim import Receipt, SimConfig, SingleWindow
from tests.customs import sim_messages as m

T0 = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)


def at(seconds: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=seconds)


def window(**changes: object) -> SingleWindow:
    config = SimConfig(accept_unsigned=True, **changes)  # type: ignore[arg-type]
    return SingleWindow(config, clock=lambda: T0)


def text(item: Receipt, name: str) -> str | None:
    root = etree.fromstring(item.body())
    el = root.find(f".//{{{CEB_NS}}}{name}")
    return None if el is None else el.text


def statuses(batch: list[Receipt], msg_type: str) -> list[str]:
    return [text(r, "returnStatus") or "" for r in batch if r.message_type == msg_type]


def send_documents(sw: SingleWindow, p: m.Purchase, when: dt.datetime = T0) -> list[Receipt]:
    for data in (m.order_xml(p), m.payment_xml(p), m.waybill_xml(p)):
        assert sw.submit(data, now=when).accepted
    return sw.tick(when)


def declare(sw: SingleWindow, p: m.Purchase, when: dt.datetime = T0,
            **kwargs: object) -> list[Receipt]:
    send_documents(sw, p, when)
    result = sw.submit(m.inventory_xml(p, **kwargs), now=when)  # type: ignore[arg-type]
    assert result.accepted, result.error
    return sw.tick(when)


def test_documents_are_accepted_with_2_then_120_and_receipts_validate() -> None:
    sw = window()
    batch = send_documents(sw, m.purchase(1))
    assert statuses(batch, "CEB312Message") == ["2", "120"]
    assert statuses(batch, "CEB412Message") == ["2", "120"]
    assert statuses(batch, "CEB512Message") == ["2", "120"]
    for item in batch:
        assert schema_problems(parse(item.body())) == [], item.xml
    order_receipt = next(r for r in batch if r.message_type == "CEB312Message")
    assert text(order_receipt, "orderNo") == m.purchase(1).order_no


def test_clean_declaration_is_released_closed_and_taxed() -> None:
    sw = window()
    p = m.purchase(1)
    batch = declare(sw, p)
    assert statuses(batch, "CEB622Message") == ["2", "120", "800", "899"]
    infos = [text(r, "returnInfo") for r in batch if r.message_type == "CEB622Message"]
    assert infos[0] is not None and p.order_no in infos[0]
    assert infos[1:3] == ["[Code:1800;Desc:逻辑校验通过]", "[Code:2600;Desc:放行]"]
    receipts = [r for r in batch if r.message_type == "CEB622Message"]
    invt_no = text(receipts[1], "invtNo")
    assert invt_no is not None and len(invt_no) == 18 and invt_no.startswith("29242026I")
    pre_no = text(receipts[0], "preNo")
    assert pre_no is not None and len(pre_no) == 18
    assert {text(r, "copNo") for r in receipts} == {p.cop_no}
    times = [r.return_time for r in receipts]
    assert times == sorted(times) and len(set(times)) == len(times)
    assert all(len(t) == 17 for t in times)
    bills = [r for r in batch if r.message_type == "CEB816Message"]
    assert len(bills) == 1
    # 2 × 298 + 10 freight = 606.00, 0 CT, VAT 13 % × 70 % = 55.15
    assert text(bills[0], "taxPrice") == "606.00"
    assert text(bills[0], "valueAddedTax") == "55.15"
    assert text(bills[0], "customsTax") == "0.00"
    assert text(bills[0], "taxNo") == f"{invt_no}_0"
    for item in batch:
        assert schema_problems(parse(item.body())) == [], item.xml
    assert sw.quota_used(p.buyer_id, 2026) == Decimal("606.00")
    state = sw.declaration(p.cop_no)
    assert state is not None and state["state"] == "closed" and state["invtNo"] == invt_no
    assert sw.declaration(invt_no) == state


def test_steps_wait_for_their_delays() -> None:
    sw = window(eport_delay=1, check_delay=5, release_delay=60, tax_delay=10, close_delay=3600)
    p = m.purchase(1)
    send_documents(sw, p, T0)
    sw.tick(at(100))
    sw.submit(m.inventory_xml(p), now=at(100))
    assert sw.tick(at(100)) == []
    assert statuses(sw.tick(at(101)), "CEB622Message") == ["2"]
    assert sw.tick(at(105.9)) == []
    assert statuses(sw.tick(at(106)), "CEB622Message") == ["120"]
    assert sw.tick(at(165)) == []
    assert statuses(sw.tick(at(166)), "CEB622Message") == ["800"]
    assert [r.message_type for r in sw.tick(at(176))] == ["CEB816Message"]
    assert statuses(sw.tick(at(166 + 3600)), "CEB622Message") == ["899"]
    assert sw.pending() == 0


def test_amount_mismatch_between_order_and_payment_is_rejected_with_reason() -> None:
    sw = window()
    p = m.purchase(2)
    for data in (m.order_xml(p), m.payment_xml(p, amount=p.paid - 1), m.waybill_xml(p)):
        sw.submit(data)
    sw.tick(T0)
    sw.submit(m.inventory_xml(p))
    batch = sw.tick(T0)
    assert statuses(batch, "CEB622Message") == ["2", "100"]
    info = [text(r, "returnInfo") for r in batch if r.message_type == "CEB622Message"][1]
    assert info is not None and "支付金额" in info and str(p.paid) in info
    assert sw.quota_used(p.buyer_id, 2026) == 0
    assert not any(r.message_type == "CEB816Message" for r in batch)


def test_consignee_mismatch_with_waybill_is_rejected() -> None:
    sw = window()
    p = m.purchase(3)
    for data in (m.order_xml(p), m.payment_xml(p), m.waybill_xml(p, consignee="李四")):
        sw.submit(data)
    sw.tick(T0)
    sw.submit(m.inventory_xml(p))
    batch = sw.tick(T0)
    assert statuses(batch, "CEB622Message") == ["2", "100"]
    assert "收货人" in (text(batch[-1], "returnInfo") or "")


def test_inventory_without_the_three_documents_is_rejected() -> None:
    sw = window()
    p = m.purchase(4)
    sw.submit(m.inventory_xml(p))
    batch = sw.tick(T0)
    assert statuses(batch, "CEB622Message") == ["2", "100"]
    info = text(batch[-1], "returnInfo") or ""
    assert "电子订单不存在" in info and "支付凭证不存在" in info and "物流运单不存在" in info


def test_bad_id_checksum_is_rejected() -> None:
    sw = window()
    p = m.purchase(5, buyer_id=m.BAD_CHECKSUM_ID)
    batch = declare(sw, p)
    assert statuses(batch, "CEB622Message") == ["2", "100"]
    info = text(batch[-1], "returnInfo") or ""
    assert "校验位" in info
    assert m.BAD_CHECKSUM_ID not in info  # the ID is masked in the receipt


def test_lowercase_x_id_is_accepted() -> None:
    sw = window()
    p = m.purchase(6, buyer_id=m.VALID_ID_2.lower())
    assert statuses(declare(sw, p), "CEB622Message")[-1] == "899"


def test_single_limit_refuses_several_items_over_5000() -> None:
    sw = window()
    lines = (m.Line("手提包", Decimal(1), Decimal("2800")), m.Line("钱包", Decimal(1),
                                                                    Decimal("2400")))
    p = m.purchase(7, lines=lines, freight=Decimal(0))
    batch = declare(sw, p)
    assert statuses(batch, "CEB622Message") == ["2", "-621005"]
    assert f"清单[{p.cop_no}]的购买金额超过单笔限额" in (text(batch[-1], "returnInfo") or "")
    assert sw.quota_used(p.buyer_id, 2026) == 0


def test_sole_item_over_5000_passes_and_is_taxed_in_full() -> None:
    sw = window(tariff_rates={"4202": "0.10"})
    p = m.purchase(8, lines=(m.Line("手提包", Decimal(1), Decimal("6000"), "4202210000"),),
                   freight=Decimal(0))
    batch = declare(sw, p)
    assert statuses(batch, "CEB622Message")[-1] == "899"
    bill = next(r for r in batch if r.message_type == "CEB816Message")
    # specs §1.6 Ex. 4: tariff 600.00, VAT (6000 + 600) × 13 % = 858.00, no 70 %
    assert text(bill, "customsTax") == "600.00"
    assert text(bill, "valueAddedTax") == "858.00"
    assert sw.quota_used(p.buyer_id, 2026) == Decimal(6000)


def test_annual_limit_uses_the_simulators_own_quota() -> None:
    sw = window()
    sw.set_quota_used(m.VALID_ID, 2026, "24000")
    p = m.purchase(9, lines=(m.Line("面霜", Decimal(1), Decimal("2500")),), freight=Decimal(0))
    batch = declare(sw, p)
    assert statuses(batch, "CEB622Message") == ["2", "-621018"]
    info = text(batch[-1], "returnInfo") or ""
    assert "已用购买额度为[24000.00]" in info and "年度限额[26000]" in info
    assert sw.quota_used(m.VALID_ID, 2026) == Decimal(24000)


def test_quota_accumulates_across_declarations_of_the_same_buyer() -> None:
    sw = window()
    big = (m.Line("面霜", Decimal(1), Decimal("4990")),)
    for n in range(10, 15):
        assert statuses(declare(sw, m.purchase(n, lines=big)), "CEB622Message")[-1] == "899"
    assert sw.quota_used(m.VALID_ID, 2026) == Decimal("25000.00")
    batch = declare(sw, m.purchase(15, lines=big))
    assert statuses(batch, "CEB622Message")[-1] == "-621018"
    # a different buyer is not affected
    other = m.purchase(16, lines=big, buyer_id=m.VALID_ID_2)
    assert statuses(declare(sw, other), "CEB622Message")[-1] == "899"


def test_signature_required_unsigned_or_foreign_621_is_refused() -> None:
    signer = m.test_signer()
    sw = SingleWindow(SimConfig(trusted_certs=(signer.cert_pem,)), clock=lambda: T0)
    good, bogus = m.purchase(20), m.purchase(21)
    send_documents(sw, good)
    send_documents(sw, bogus)
    sw.submit(m.inventory_xml(good, signer=signer))
    sw.submit(m.inventory_xml(bogus))  # the sample's SM2 signature: not verifiable here
    batch = sw.tick(T0)
    by_cop = {cop: [text(r, "returnStatus") for r in batch if text(r, "copNo") == cop]
              for cop in (good.cop_no, bogus.cop_no)}
    assert by_cop[good.cop_no] == ["2", "120", "800", "899"]
    assert by_cop[bogus.cop_no] == ["-621029"]


def test_tampered_signed_621_is_refused() -> None:
    signer = m.test_signer()
    sw = SingleWindow(SimConfig(trusted_certs=(signer.cert_pem,)), clock=lambda: T0)
    p = m.purchase(22)
    send_documents(sw, p)
    data = m.inventory_xml(p, signer=signer).replace(b"<ceb:freight>10.00<",
                                                     b"<ceb:freight>1.00<")
    assert b"<ceb:freight>1.00<" in data
    sw.submit(data)
    assert statuses(sw.tick(T0), "CEB622Message") == ["-621029"]


def test_untrusted_certificate_is_refused() -> None:
    trusted, stranger = m.test_signer("trusted"), m.test_signer("stranger")
    sw = SingleWindow(SimConfig(trusted_certs=(trusted.cert_pem,)), clock=lambda: T0)
    p = m.purchase(23)
    send_documents(sw, p)
    sw.submit(m.inventory_xml(p, signer=stranger))
    assert statuses(sw.tick(T0), "CEB622Message") == ["-621029"]


def test_621_without_signature_element_fails_the_schema() -> None:
    sw = window()
    root = etree.fromstring(m.inventory_xml(m.purchase(24)))
    for sig in root.findall("{http://www.w3.org/2000/09/xmldsig#}Signature"):
        root.remove(sig)
    result = sw.submit(etree.tostring(root))
    assert not result.accepted and result.receipt is not None
    assert b"CEB900Message" in result.receipt


def test_xsd_invalid_message_gets_ceb900() -> None:
    sw = window()
    data = m.order_xml(m.purchase(25)).replace(b"<ceb:orderType>I</ceb:orderType>", b"")
    result = sw.submit(data)
    assert not result.accepted
    assert result.receipt is not None
    root = parse(result.receipt)
    assert schema_problems(root) == []
    assert root.findtext(f".//{{{CEB_NS}}}oriMessageType") == "CEB311Message"
    assert int(root.findtext(f".//{{{CEB_NS}}}returnStatus") or "0") < 0
    assert "orderType" in (root.findtext(f".//{{{CEB_NS}}}returnInfo") or "")
    assert b"order" in (root.findtext(f".//{{{CEB_NS}}}oriBizMessage") or "").encode()
    delivered = sw.tick(T0)
    assert [r.message_type for r in delivered] == ["CEB900Message"]


@pytest.mark.parametrize("data", [b"not xml at all", b"<a>unclosed", b"",
                                  b"<foo xmlns='urn:x'/>"])
def test_garbage_gets_ceb900_unknown(data: bytes) -> None:
    result = window().submit(data)
    assert not result.accepted and result.receipt is not None
    root = parse(result.receipt)
    assert schema_problems(root) == []
    assert root.findtext(f".//{{{CEB_NS}}}oriMessageType") == "Unknown"


def test_xxe_payload_is_refused_without_resolving(tmp_path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    evil = (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret}">]>'
            f'<ceb:CEB311Message xmlns:ceb="{CEB_NS}" guid="x" version="1.0">&e;'
            "</ceb:CEB311Message>").encode()
    sw = window()
    result = sw.submit(evil)
    assert not result.accepted and result.receipt is not None
    assert b"TOP-SECRET-CONTENT" not in result.receipt
    assert "DOCTYPE" in result.error
    assert sw.orders == {}


def test_dxp_envelope_is_unwrapped_and_receipts_go_to_its_sender() -> None:
    from shequn.customs.sim.xmlio import wrap_dxp

    sw = window()
    p = m.purchase(26)
    envelope = wrap_dxp(m.order_xml(p), "CEB311Message", "DXPENT0000000001",
                        "DXPEDCCEB0000002", cop_msg_id="msg-311-26")
    result = sw.submit(envelope)
    assert result.accepted and result.cop_msg_id == "msg-311-26"
    assert result.message_type == "CEB311Message"
    batch = sw.tick(T0)
    assert statuses(batch, "CEB312Message") == ["2", "120"]
    assert {r.receiver for r in batch} == {"DXPENT0000000001"}


def test_duplicate_order_number_and_exact_resend() -> None:
    sw = window()
    p = m.purchase(27)
    first = m.order_xml(p)
    assert sw.submit(first).accepted
    again = sw.submit(first)  # same message resent by the transport
    assert again.accepted and again.resubmitted
    sw.submit(m.order_xml(p))  # a new message with the same order number
    batch = sw.tick(T0)
    # both pass the E-port (2), then customs checks them in arrival order
    assert statuses(batch, "CEB312Message") == ["2", "2", "120", "-301010"]


def test_order_change_after_inventory_declared_is_refused() -> None:
    sw = window()
    p = m.purchase(28)
    declare(sw, p)
    sw.submit(m.order_xml(p, app_type="2"))
    assert statuses(sw.tick(T0), "CEB312Message") == ["2", "-301011"]


def test_order_whose_amounts_do_not_add_up_is_refused() -> None:
    sw = window()
    p = m.purchase(29)
    sw.submit(m.order_xml(p, acturalPaid=p.paid + 5))
    batch = sw.tick(T0)
    assert statuses(batch, "CEB312Message") == ["2", "-301008"]
    assert "实际支付金额" in (text(batch[-1], "returnInfo") or "")


def test_same_copno_twice_gets_621004() -> None:
    sw = window()
    p = m.purchase(30)
    declare(sw, p)
    sw.submit(m.inventory_xml(p))
    assert statuses(sw.tick(T0), "CEB622Message") == ["-621004"]


def test_saved_only_621_gets_status_1_and_goes_no_further() -> None:
    sw = window()
    p = m.purchase(31)
    batch = declare(sw, p, app_status="1")
    assert statuses(batch, "CEB622Message") == ["1"]
    assert sw.quota_used(p.buyer_id, 2026) == 0


def test_review_and_inspection_holds() -> None:
    review = window(review_rate=1.0, review_delay=30)
    p = m.purchase(32)
    assert statuses(declare(review, p), "CEB622Message") == ["2", "120", "300"]
    assert statuses(review.tick(at(30)), "CEB622Message") == ["800", "899"]
    inspect = window(inspection_rate=1.0)
    assert statuses(declare(inspect, m.purchase(33)), "CEB622Message") == [
        "2", "120", "500", "800", "899"]


def test_random_rejection_is_seeded_and_gives_a_reason() -> None:
    def run(seed: int) -> list[str]:
        sw = window(reject_rate=0.5, seed=seed)
        out = []
        for n in range(40, 60):
            out.append(statuses(declare(sw, m.purchase(n, buyer_id=m.VALID_ID_2
                                                       if n % 2 else m.VALID_ID)),
                                "CEB622Message")[-1])
        return out

    first, second = run(7), run(7)
    assert first == second
    assert "100" in first and "899" in first
    sw = window(reject_rate=1.0, reject_reasons=("风险布控",))
    batch = declare(sw, m.purchase(60))
    assert statuses(batch, "CEB622Message") == ["2", "100"]
    assert text(batch[-1], "returnInfo") == "海关退单：风险布控"
    assert sw.quota_used(m.VALID_ID, 2026) == 0


def test_cancellation_before_release_gives_quota_back() -> None:
    sw = window(release_delay=600)
    p = m.purchase(61)
    batch = declare(sw, p)
    assert statuses(batch, "CEB622Message") == ["2", "120"]
    invt_no = text(batch[-1], "invtNo") or ""
    assert sw.quota_used(p.buyer_id, 2026) == Decimal("606.00")
    sw.submit(m.cancel_xml(p, invt_no), now=at(10))
    cancel = sw.tick(at(10))
    assert statuses(cancel, "CEB624Message") == ["2", "120", "399"]
    for item in cancel:
        assert schema_problems(parse(item.body())) == []
    assert {text(r, "invtNo") for r in cancel} == {invt_no}
    assert sw.quota_used(p.buyer_id, 2026) == 0
    assert sw.tick(at(700)) == []  # no release after the cancellation
    state = sw.declaration(invt_no)
    assert state is not None and state["state"] == "cancelled"


def test_cancellation_after_release_is_refused_unless_configured() -> None:
    sw = window()
    p = m.purchase(62)
    batch = declare(sw, p)
    invt_no = text(next(r for r in batch if text(r, "returnStatus") == "800"), "invtNo") or ""
    sw.submit(m.cancel_xml(p, invt_no))
    assert statuses(sw.tick(T0), "CEB624Message") == ["2", "-623005"]
    lenient = window(cancel_after_release=True)
    batch = declare(lenient, p)
    lenient.submit(m.cancel_xml(p, text(batch[-1], "invtNo") or ""))
    after = lenient.tick(T0)
    assert statuses(after, "CEB624Message") == ["2", "120", "399"]
    void = [r for r in after if r.message_type == "CEB818Message"]
    assert len(void) == 1 and text(void[0], "status") == "3"
    assert schema_problems(parse(void[0].body())) == []


def test_cancellation_of_unknown_inventory() -> None:
    sw = window()
    sw.submit(m.cancel_xml(m.purchase(63), "292420269999999999"))
    assert statuses(sw.tick(T0), "CEB624Message") == ["-623003"]


def test_release_waits_while_a_cancellation_is_decided() -> None:
    sw = window(release_delay=5, cancel_delay=10)
    p = m.purchase(64)
    invt_no = text(declare(sw, p)[-1], "invtNo") or ""
    sw.submit(m.cancel_xml(p, invt_no), now=at(1))
    assert statuses(sw.tick(at(1)), "CEB624Message") == ["2"]
    assert sw.tick(at(6)) == []  # release held back
    assert statuses(sw.tick(at(11)), "CEB624Message") == ["120"]
    assert statuses(sw.tick(at(21)), "CEB624Message") == ["399"]
    assert sw.tick(at(100)) == []


def test_partial_return_after_release() -> None:
    sw = window()
    p = m.purchase(65, lines=(m.Line("奶粉", Decimal(3), Decimal("100")),
                              m.Line("奶瓶", Decimal(1), Decimal("50"))))
    batch = declare(sw, p)
    invt_no = text(batch[-1], "invtNo") or ""
    assert sw.quota_used(p.buyer_id, 2026) == Decimal("360.00")
    sw.submit(m.refund_xml(p, invt_no, [(1, Decimal(2))]), now=at(86400))
    first = sw.tick(at(86400))
    assert statuses(first, "CEB626Message") == ["2", "120", "399"]
    for item in first:
        assert schema_problems(parse(item.body())) == []
    assert sw.quota_used(p.buyer_id, 2026) == Decimal("160.00")
    # one more of line 1 is fine, two more is over what is left
    sw.submit(m.refund_xml(p, invt_no, [(1, Decimal(2))]), now=at(86500))
    assert statuses(sw.tick(at(86500)), "CEB626Message") == ["2", "100"]
    sw.submit(m.refund_xml(p, invt_no, [(1, Decimal(1)), (2, Decimal(1))]), now=at(86600))
    rest = sw.tick(at(86600))
    assert statuses(rest, "CEB626Message") == ["2", "120", "399"]
    assert [text(r, "status") for r in rest if r.message_type == "CEB818Message"] == ["3"]
    assert sw.quota_used(p.buyer_id, 2026) == Decimal("10.00")  # freight stays counted


def test_return_rules_window_unknown_line_and_not_released() -> None:
    sw = window()
    p = m.purchase(66)
    invt_no = text(declare(sw, p)[-1], "invtNo") or ""
    sw.submit(m.refund_xml(p, invt_no, [(1, Decimal(1))]), now=at(31 * 86400))
    late = sw.tick(at(31 * 86400))
    assert statuses(late, "CEB626Message") == ["2", "100"]
    assert "30日" in (text(late[-1], "returnInfo") or "")
    sw.submit(m.refund_xml(p, invt_no, [(1, Decimal(1))], gcode="9999999999"))
    assert statuses(sw.tick(at(31 * 86400)), "CEB626Message") == ["2", "-625209"]
    held = window(release_delay=1000)
    q = m.purchase(67)
    invt = text(declare(held, q)[-1], "invtNo") or ""
    held.submit(m.refund_xml(q, invt, [(1, Decimal(1))]))
    assert statuses(held.tick(T0), "CEB626Message") == ["2", "100"]


def test_waybill_signed_for() -> None:
    sw = window()
    p = m.purchase(68)
    declare(sw, p)
    sw.submit(m.delivered_xml(p))
    sw.submit(m.delivered_xml(m.purchase(69)))
    batch = sw.tick(T0)
    assert statuses(batch, "CEB514Message") == ["2", "2", "120", "100"]
    assert text(batch[2], "logisticsStatus") == "S"
    assert "运单不存在" in (text(batch[3], "returnInfo") or "")


def test_duplicate_injection_delivers_identical_twins() -> None:
    sw = window(duplicate_rate=1.0)
    batch = send_documents(sw, m.purchase(70))
    assert len(batch) == 12
    originals = [r for r in batch if not r.duplicate]
    twins = [r for r in batch if r.duplicate]
    assert len(originals) == len(twins) == 6
    assert sorted(r.xml for r in originals) == sorted(r.xml for r in twins)


def test_out_of_order_injection_shuffles_but_loses_nothing() -> None:
    plain = declare(window(), m.purchase(71))
    shuffled = declare(window(reorder_window=8, seed=3), m.purchase(71))
    key = [(r.message_type, r.status, r.return_time) for r in plain]
    got = [(r.message_type, r.status, r.return_time) for r in shuffled]
    assert sorted(got) == sorted(key)
    assert got != key
    inventory = [r for r in shuffled if r.message_type == "CEB622Message"]
    # returnTime still tells the true order
    assert [r.status for r in sorted(inventory, key=lambda r: r.return_time)] == [
        "2", "120", "800", "899"]


def test_failed_deliveries_are_retried_with_backoff_then_given_up() -> None:
    calls: list[str] = []
    failing = {"on": True}

    def deliver(item: Receipt) -> None:
        calls.append(item.status)
        if failing["on"]:
            raise ConnectionError("receiver down")

    sw = SingleWindow(SimConfig(accept_unsigned=True, retry_backoff=1, max_attempts=3),
                      deliver=deliver, clock=lambda: T0)
    sw.submit(m.order_xml(m.purchase(72)))
    sw.tick(T0)
    assert calls == ["2", "120"]
    sw.tick(at(0.5))
    assert calls == ["2", "120"]  # not yet due again
    failing["on"] = False
    sw.tick(at(1))
    assert calls == ["2", "120", "2", "120"]
    assert sw.pending() == 0 and sw.dead == []
    failing["on"] = True
    sw.submit(m.order_xml(m.purchase(73)))
    for second in (0, 1, 3, 7):
        sw.tick(at(second))
    assert len(sw.dead) == 2 and sw.pending() == 0


def test_snapshot_survives_a_restart(tmp_path) -> None:
    path = tmp_path / "sim.json"
    config = SimConfig(accept_unsigned=True, snapshot_path=str(path), release_delay=60)
    sw = SingleWindow(config, clock=lambda: T0)
    p = m.purchase(74)
    declare(sw, p)
    assert json.loads(path.read_text())["declarations"]
    again = SingleWindow(config, clock=lambda: T0)
    assert again.quota_used(p.buyer_id, 2026) == Decimal("606.00")
    assert statuses(again.tick(at(60)), "CEB622Message") == ["800", "899"]
    again.submit(m.inventory_xml(p))
    assert statuses(again.tick(at(60)), "CEB622Message") == ["-621004"]


def test_submit_is_thread_safe() -> None:
    import threading

    sw = window()
    sw.set_quota_used(m.VALID_ID, 2026, "0")
    purchases = [m.purchase(100 + i, lines=(m.Line("面霜", Decimal(1), Decimal("4000")),),
                            freight=Decimal(0)) for i in range(10)]
    for p in purchases:
        send_documents(sw, p)
    errors: list[BaseException] = []

    def go(p: m.Purchase) -> None:
        try:
            sw.submit(m.inventory_xml(p))
            sw.tick(T0)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(p,)) for p in purchases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    # 6 × 4000 = 24000 fits, the 7th would make 28000 > 26000
    assert sw.quota_used(m.VALID_ID, 2026) == Decimal(24000)
    finals = [sw.declaration(p.cop_no)["state"] for p in purchases]  # type: ignore[index]
    assert finals.count("closed") == 6 and finals.count("rejected") == 4


def test_sent_status_3_when_configured() -> None:
    sw = window(emit_sent_status=True)
    assert statuses(declare(sw, m.purchase(75)), "CEB622Message") == [
        "2", "3", "120", "800", "899"]


def test_cancellation_while_held_for_review() -> None:
    sw = window(review_rate=1.0, review_delay=3600)
    p = m.purchase(76)
    batch = declare(sw, p)
    assert statuses(batch, "CEB622Message") == ["2", "120", "300"]
    sw.submit(m.cancel_xml(p, text(batch[-1], "invtNo") or ""), now=at(60))
    assert statuses(sw.tick(at(60)), "CEB624Message") == ["2", "120", "399"]
    assert sw.tick(at(4000)) == []
    assert sw.quota_used(p.buyer_id, 2026) == 0


def test_ticker_delivers_to_an_embedded_callback() -> None:
    import threading
    import time

    from shequn.customs.sim.server import Ticker

    got: list[Receipt] = []
    done = threading.Event()

    def deliver(item: Receipt) -> None:
        got.append(item)
        if item.message_type == "CEB622Message" and item.status == "899":
            done.set()

    sw = SingleWindow(SimConfig(accept_unsigned=True), deliver=deliver)
    ticker = Ticker(sw, interval=0.01).start()
    try:
        p = m.purchase(77)
        for data in (m.order_xml(p), m.payment_xml(p), m.waybill_xml(p)):
            sw.submit(data)
        deadline = time.monotonic() + 5
        while len([r for r in got if r.status == "120"]) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        sw.submit(m.inventory_xml(p))
        assert done.wait(5)
    finally:
        ticker.stop()
    assert statuses(got, "CEB622Message") == ["2", "120", "800", "899"]


def test_held_declaration_can_be_rejected_after_review() -> None:
    sw = window(inspection_rate=1.0, hold_reject_rate=1.0, review_delay=30)
    p = m.purchase(78)
    assert statuses(declare(sw, p), "CEB622Message") == ["2", "120", "500"]
    assert sw.quota_used(p.buyer_id, 2026) == Decimal("606.00")
    later = sw.tick(at(30))
    assert statuses(later, "CEB622Message") == ["100"]
    assert text(later[0], "returnInfo") == "海关退单：查验不通过"
    assert sw.quota_used(p.buyer_id, 2026) == 0


def test_second_cancellation_of_the_same_inventory_gets_623009() -> None:
    sw = window(release_delay=600, cancel_delay=5)
    p = m.purchase(79)
    invt_no = text(declare(sw, p)[-1], "invtNo") or ""
    sw.submit(m.cancel_xml(p, invt_no))
    sw.submit(m.cancel_xml(p, invt_no))
    assert statuses(sw.tick(T0), "CEB624Message") == ["2", "-623009"]
    assert statuses(sw.tick(at(10)), "CEB624Message") == ["120", "399"]


def test_waybill_change_after_declaration_is_refused() -> None:
    sw = window()
    p = m.purchase(80)
    declare(sw, p)
    sw.submit(m.waybill_xml(p, appType="2"))
    assert statuses(sw.tick(T0), "CEB512Message") == ["2", "-504016"]


@pytest.mark.parametrize("name,node", [("CEB311Message", "Order"), ("CEB411Message", "Payment"),
                                       ("CEB511Message", "Logistics"),
                                       ("CEB621Message", "Inventory")])
def test_official_samples_pass_intake_and_get_one_answer_per_record(name: str,
                                                                    node: str) -> None:
    sw = window()
    data = (m.SAMPLES / f"{name}.xml").read_bytes()
    result = sw.submit(data)
    assert result.accepted, result.error
    expected = len(etree.fromstring(data).findall(f"{{{CEB_NS}}}{node}"))
    assert expected > 1 and result.records == expected
    batch = sw.tick(T0)
    for item in batch:
        assert schema_problems(parse(item.body())) == []
    # every record gets an E-port answer; none is released (fake IDs, no matching docs)
    assert len([r for r in batch if r.status in ("2", "1", "-621004")]) >= expected
    assert not [r for r in batch if r.status == "800"]


def test_xxe_inside_a_dxp_envelope_is_refused(tmp_path) -> None:
    from shequn.customs.sim.xmlio import wrap_dxp

    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    inner = (f'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file://{secret}">]>'
             f'<ceb:CEB621Message xmlns:ceb="{CEB_NS}" guid="x" version="1.0">&e;'
             "</ceb:CEB621Message>").encode()
    laughs = (b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
              b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><l>&b;</l>')
    sw = window()
    for payload in (wrap_dxp(inner, "CEB621Message", "DXPENT0000000001", "DXPEDCCEB0000002"),
                    laughs):
        result = sw.submit(payload)
        assert not result.accepted and result.receipt is not None
        assert b"TOP-SECRET-CONTENT" not in result.receipt
    assert sw.declarations == {}


def test_return_times_are_strictly_increasing_even_within_a_millisecond() -> None:
    sw = window()
    stamps = [sw.books.stamp("k", 1_800_000_000 + d) for d in (0, 0.0004, 0.0006, 0.0006, 0.002)]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert all(len(s) == 17 for s in stamps)
