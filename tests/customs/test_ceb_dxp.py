"""DxpMsg terminal envelope: wrap/unwrap round trip, schema-valid, signed content
survives, bad envelopes refused."""

from __future__ import annotations

import base64
import datetime as dt

import pytest
from lxml import etree

from shequn.customs.ceb import demo
from shequn.customs.ceb.dxp import CUSTOMS_RECEIVER_ID, unwrap, wrap
from shequn.customs.ceb.messages import build_ceb311, build_ceb621, read_message, to_bytes
from shequn.customs.ceb.schema import NotCebMessage, parse, schema_problems
from shequn.customs.ceb.signing import RsaSha256Signer, generate_demo_keypair


def test_wrap_unwrap_roundtrip():
    order = demo.order()
    data = to_bytes(build_ceb311([order], demo.transfer()))
    created = dt.datetime(2026, 11, 24, 2, 0, tzinfo=dt.UTC)
    env = wrap(data, sender_id="DXPENT0000012345", cop_msg_id="msg-1", created=created,
               file_name="order.xml")
    assert schema_problems(env) == []
    back = unwrap(etree.tostring(env))
    assert back.data == data
    assert (back.cop_msg_id, back.sender_id, back.receiver_ids, back.msg_type) == (
        "msg-1", "DXPENT0000012345", (CUSTOMS_RECEIVER_ID,), "CEB311Message")
    assert back.creat_time == "2026-11-24T10:00:00" and back.file_name == "order.xml"
    assert read_message(etree.tostring(env)).records == (order,)


def test_signed_message_verifies_after_unwrap(tmp_path):
    signer = RsaSha256Signer.from_files(*generate_demo_keypair(tmp_path))
    order = demo.order()
    root = build_ceb621([demo.inventory(order, demo.waybill(order))], demo.transfer(),
                        signer=signer)
    env = wrap(root, sender_id="S1", receiver_ids=["R1", "R2"])
    back = unwrap(env)
    assert back.receiver_ids == ("R1", "R2")
    assert signer.verify(parse(back.data))


def test_bad_envelopes_refused():
    env = wrap(to_bytes(build_ceb311([demo.order()], demo.transfer())), sender_id="S1")
    data_node = env.find("{http://www.chinaport.gov.cn/dxp}Data")
    data_node.text = "!!! not base64 !!!"
    with pytest.raises(NotCebMessage):
        unwrap(env)
    missing = etree.fromstring(b'<dxp:DxpMsg xmlns:dxp="http://www.chinaport.gov.cn/dxp" '
                               b'ver="1.0"><dxp:Data>AA==</dxp:Data></dxp:DxpMsg>')
    with pytest.raises(NotCebMessage):
        unwrap(missing)
    with pytest.raises(NotCebMessage):
        unwrap(to_bytes(build_ceb311([demo.order()], demo.transfer())))


def test_envelope_carrying_xxe_is_refused():
    evil = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
            b'<r>&x;</r>')
    env = wrap(to_bytes(build_ceb311([demo.order()], demo.transfer())), sender_id="S1")
    env.find("{http://www.chinaport.gov.cn/dxp}Data").text = base64.b64encode(evil).decode()
    with pytest.raises(NotCebMessage):
        read_message(etree.tostring(env))
