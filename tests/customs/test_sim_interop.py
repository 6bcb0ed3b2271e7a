"""Shequn's own CEB builders (``shequn.customs.ceb``) against the simulator: signed,
DxpMsg-wrapped declarations are accepted, and every receipt the simulator sends
back reads with Shequn's receipt parser."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest

from shequn.customs.sim import Receipt, SimConfig, SingleWindow

demo = pytest.importorskip("shequn.customs.ceb.demo")
messages = pytest.importorskip("shequn.customs.ceb.messages")
signing = pytest.importorskip("shequn.customs.ceb.signing")
dxp = pytest.importorskip("shequn.customs.ceb.dxp")
derive = pytest.importorskip("shequn.customs.ceb.derive")

T0 = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)


def wrapped(root) -> bytes:  # type: ignore[no-untyped-def]
    return messages.to_bytes(dxp.wrap(messages.to_bytes(root), sender_id="DXPENT0000012345"))


def by_type(batch: list[Receipt], msg_type: str) -> list[Receipt]:
    return [r for r in batch if r.message_type == msg_type]


def test_shequn_built_messages_clear_and_receipts_parse(tmp_path: Path) -> None:
    key, cert = signing.generate_demo_keypair(tmp_path)
    signer = signing.RsaSha256Signer.from_files(key, cert)
    sw = SingleWindow(SimConfig(trusted_certs=(str(cert),)), clock=lambda: T0)
    transfer = demo.transfer()
    order = demo.order("SQ202611240099")
    waybill = demo.waybill(order)
    inventory = demo.inventory(order, waybill)
    for root in (messages.build_ceb311([order], transfer),
                 messages.build_ceb411([demo.payment(order)], transfer),
                 messages.build_ceb511([waybill], transfer)):
        assert sw.submit(wrapped(root)).accepted
    result = sw.submit(wrapped(messages.build_ceb621([inventory], transfer, signer=signer)))
    assert result.accepted, result.error
    batch = sw.tick(T0)
    assert [r.status for r in by_type(batch, "CEB622Message")] == ["2", "120", "800", "899"]
    assert {r.receiver for r in batch} == {"DXPENT0000012345"}
    for item in batch:
        parsed = messages.read_message(item.body())
        assert parsed.message_type == item.message_type
    returns = [messages.read_message(r.body()).records[0]
               for r in by_type(batch, "CEB622Message")]
    invt_no = returns[1].invt_no
    assert returns[0].cop_no == inventory.head.cop_no and len(invt_no) == 18
    tax = messages.read_message(by_type(batch, "CEB816Message")[0].body()).records[0]
    assert tax.head.invt_no == invt_no

    refund = derive.refund_for(inventory, {2: Decimal(1)}, invt_no=invt_no, reason="退货")
    sw.submit(wrapped(messages.build_ceb625([refund], transfer, signer=signer)))
    answers = by_type(sw.tick(T0), "CEB626Message")
    assert [r.status for r in answers] == ["2", "120", "399"]
    assert messages.read_message(answers[-1].body()).records[0].invt_no == invt_no


def test_shequn_cancellation_before_release(tmp_path: Path) -> None:
    key, cert = signing.generate_demo_keypair(tmp_path)
    signer = signing.RsaSha256Signer.from_files(key, cert)
    sw = SingleWindow(SimConfig(trusted_certs=(str(cert),), release_delay=300),
                      clock=lambda: T0)
    transfer = demo.transfer()
    order = demo.order("SQ202611240098")
    waybill = demo.waybill(order)
    inventory = demo.inventory(order, waybill)
    for root in (messages.build_ceb311([order], transfer),
                 messages.build_ceb411([demo.payment(order)], transfer),
                 messages.build_ceb511([waybill], transfer),
                 messages.build_ceb621([inventory], transfer, signer=signer)):
        sw.submit(messages.to_bytes(root))
    batch = sw.tick(T0)
    accepted = messages.read_message(by_type(batch, "CEB622Message")[-1].body()).records[0]
    assert accepted.return_status == "120"
    cancel = derive.cancel_for(inventory.head, invt_no=accepted.invt_no, reason="买家取消")
    sw.submit(messages.to_bytes(messages.build_ceb623([cancel], transfer, signer=signer)))
    assert [r.status for r in by_type(sw.tick(T0), "CEB624Message")] == ["2", "120", "399"]
    assert sw.tick(T0 + dt.timedelta(seconds=400)) == []
