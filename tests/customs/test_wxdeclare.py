"""The WeChat Pay customs-declaration wire format (API v2): signing vectors
from the spec (§4.5), the XML codec, and the client against the simulator
(submit, query, re-push, split orders, identity check, faults, signatures)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shequn.customs.wxdeclare import client as wx
from shequn.customs.wxdeclare import codec, signing, sim

VECTOR = {"appid": "wxd930ea5d5a258f4f", "body": "test", "device_info": "1000",
          "mch_id": "10000100", "nonce_str": "ibuaiVcKdpRxkhJA"}
VECTOR_KEY = "192006250b4c09247ec02edce69f6a2d"
TXN = "4200001234202601010000000001"
# The platform's hooks (customs.paydecl: our Payment rows) read the database.
pytestmark = pytest.mark.django_db


def test_signing_vectors_from_the_spec():
    assert signing.base_string(VECTOR, VECTOR_KEY) == (
        "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100"
        "&nonce_str=ibuaiVcKdpRxkhJA&key=192006250b4c09247ec02edce69f6a2d")
    assert signing.sign(VECTOR, VECTOR_KEY) == "9A0A8659F005D6984697E2CA0A9CF3B7"
    assert signing.sign(VECTOR, VECTOR_KEY, signing.HMAC_SHA256) == (
        "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6")


def test_empty_values_and_sign_are_not_signed():
    noisy = {**VECTOR, "attach": "", "sign": "WHATEVER", "detail": None}
    assert signing.sign(noisy, VECTOR_KEY) == "9A0A8659F005D6984697E2CA0A9CF3B7"


def test_verify():
    signed = {**VECTOR, "sign": "9A0A8659F005D6984697E2CA0A9CF3B7"}
    assert signing.verify(signed, VECTOR_KEY)
    assert not signing.verify({**signed, "body": "test2"}, VECTOR_KEY)
    assert not signing.verify({**signed, "sign": ""}, VECTOR_KEY)
    assert not signing.verify(signed, "another-key")
    hmac_signed = {**VECTOR, "sign_type": "HMAC-SHA256"}
    hmac_signed["sign"] = signing.sign(hmac_signed, VECTOR_KEY, signing.HMAC_SHA256)
    assert signing.verify(hmac_signed, VECTOR_KEY)
    assert not signing.verify({**hmac_signed, "sign_type": "SHA1"}, VECTOR_KEY)


def test_codec_writes_cdata_like_wechat():
    data = codec.dumps({"appid": "wx1", "customs": "HANGZHOU_ZS", "name": "张三", "fee": 100,
                        "empty": ""})
    assert data == ("<xml><appid><![CDATA[wx1]]></appid><customs><![CDATA[HANGZHOU_ZS]]>"
                    "</customs><name><![CDATA[张三]]></name><fee><![CDATA[100]]></fee>"
                    "</xml>").encode()


def test_codec_keeps_values_cdata_cannot_hold():
    assert codec.loads(codec.dumps({"name": "a]]>b<c>"})) == {"name": "a]]>b<c>"}


@given(st.dictionaries(st.from_regex(r"[a-z][a-z_0-9]{0,20}", fullmatch=True),
                       st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")),
                               min_size=1, max_size=40),
                       max_size=12))
def test_codec_round_trip(params):
    assert codec.loads(codec.dumps(params)) == params


@pytest.mark.parametrize("body", [
    b"", b"not xml", b"<root><a>1</a></root>", b"<xml><a><b>1</b></a></xml>",
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    b"<xml><a>&e;</a></xml>",
])
def test_codec_refuses_what_is_not_a_flat_message(body):
    with pytest.raises(codec.CodecError):
        codec.loads(body)


@pytest.fixture(params=[signing.MD5, signing.HMAC_SHA256])
def client(request):
    config = sim.get().config
    return wx.Client(wx.Credentials(config.appid, config.mch_id, config.key, request.param),
                     sim.SimTransport())


def _declare(client, **kw):
    fields = {"out_trade_no": "SO1", "transaction_id": TXN, "customs": "HANGZHOU_ZS",
              "mch_customs_no": "3301960SQP", **kw}
    return client.declare(wx.DeclareRequest(**fields))


def test_submit_then_query_until_success(client):
    pushed = []
    sim.register_pusher(pushed.append)
    answer = _declare(client)
    assert answer.ok and answer.state == "UNDECLARED" and answer.transaction_id == TXN
    assert answer.cert_check_result == "UNCHECKED"
    seen = [client.query("HANGZHOU_ZS", out_trade_no="SO1").item().state for _ in range(4)]
    assert seen == ["SUBMITTED", "PROCESSING", "SUCCESS", "SUCCESS"]
    assert [r["transaction_id"] for r in pushed] == [TXN]
    # The request that was signed is logged without the identity.
    assert sim.get().requests[0]["base_string"].endswith("&key=***")


def test_repeated_add_is_refused_and_modify_updates(client):
    _declare(client)
    again = _declare(client)
    assert not again.ok and again.err_code == wx.ALREADY_SUBMITTED
    modified = _declare(client, action_type="MODIFY", duty=300)
    assert modified.ok and modified.state == "UNDECLARED"
    assert sim.get().records[f"{TXN}|"].duty == "300"


def test_modify_of_an_unknown_declaration_is_refused(client):
    assert _declare(client, action_type="MODIFY").err_code == "INVALID_REQUEST"


def test_identity_is_checked_against_the_payer_wechat_knows(client):
    sim.register_lookup(lambda t: sim.Txn(t, "SO1", total_fen=10000, payer_name="张三",
                                          payer_id="11010119900307123X"))
    same = _declare(client, cert_id="11010119900307123x", name="张三")
    assert same.cert_check_result == "SAME"
    other = _declare(client, out_trade_no="SO1", transaction_id=TXN, action_type="MODIFY",
                     cert_id="110101199003071234", name="张三")
    assert other.cert_check_result == "DIFFERENT"


@pytest.mark.parametrize("change,err", [
    ({"customs": "BEIJING"}, "PARAM_ERROR"),
    ({"mch_customs_no": "OTHER00001"}, "PARAM_ERROR"),
    ({"customs": "NINGBO"}, "PARAM_ERROR"),          # not registered there
    ({"transaction_id": "12345"}, "INVALID_REQUEST"),
])
def test_bad_requests_get_a_business_error(client, change, err):
    answer = _declare(client, **change)
    assert not answer.ok and answer.err_code == err


def test_unknown_order_query(client):
    result = client.query("HANGZHOU_ZS", out_trade_no="NOSUCH")
    assert not result.ok and result.err_code == "INVALID_REQUEST" and result.items == ()


def test_split_orders(client):
    sim.register_lookup(lambda t: sim.Txn(t, "SO1", total_fen=10000))
    first = _declare(client, sub_order_no="SO1-1", fee_type="CNY", order_fee=6000,
                     transport_fee=1000, product_fee=5000)
    assert first.ok and first.sub_order_id
    second = _declare(client, sub_order_no="SO1-2", fee_type="CNY", order_fee=4000,
                      transport_fee=0, product_fee=4000)
    assert second.ok and second.sub_order_id != first.sub_order_id
    too_much = _declare(client, sub_order_no="SO1-3", fee_type="CNY", order_fee=1,
                        transport_fee=0, product_fee=1)
    assert too_much.err_code == "PARAM_ERROR"
    wrong_sum = _declare(client, sub_order_no="SO1-4", fee_type="CNY", order_fee=10,
                         transport_fee=1, product_fee=1)
    assert wrong_sum.err_code == "PARAM_ERROR"
    result = client.query("HANGZHOU_ZS", transaction_id=TXN)
    assert [i.sub_order_no for i in result.items] == ["SO1-1", "SO1-2"]
    assert result.item("SO1-2").order_fee == "4000"
    by_id = client.query("HANGZHOU_ZS", sub_order_id=first.sub_order_id)
    assert [i.sub_order_no for i in by_id.items] == ["SO1-1"]


def test_repush_from_success_or_except_only(client):
    _declare(client)
    refused = client.redeclare("HANGZHOU_ZS", "3301960SQP", out_trade_no="SO1")
    assert not refused.ok
    for _ in range(3):
        client.query("HANGZHOU_ZS", out_trade_no="SO1")
    again = client.redeclare("HANGZHOU_ZS", "3301960SQP", out_trade_no="SO1")
    assert again.ok and again.state == "UNDECLARED"


def test_fail_and_except_verdicts(client):
    sim.get().add_fault("query", "fail", key="SO1")
    _declare(client)
    states = [client.query("HANGZHOU_ZS", out_trade_no="SO1").item() for _ in range(3)]
    assert states[-1].state == "FAIL" and states[-1].explanation


def test_stuck_stays_processing(client):
    sim.get().add_fault("query", "stuck")
    _declare(client)
    seen = {client.query("HANGZHOU_ZS", out_trade_no="SO1").item().state for _ in range(6)}
    assert seen == {"SUBMITTED", "PROCESSING"}


def test_request_with_a_bad_signature_is_refused():
    config = sim.get().config
    bad = wx.Client(wx.Credentials(config.appid, config.mch_id, "wrong-key-" * 3),
                    sim.SimTransport())
    with pytest.raises(wx.CommunicationFailed, match="签名错误"):
        _declare(bad)
    assert sim.get().records == {}
    other = wx.Client(wx.Credentials(config.appid, "1999999999", config.key),
                      sim.SimTransport())
    with pytest.raises(wx.CommunicationFailed):
        _declare(other)


@pytest.mark.parametrize("fault", ["bad_response_sign", "unsigned_response"])
def test_answers_without_a_good_signature_are_refused(client, fault):
    sim.get().add_fault("declare", fault)
    with pytest.raises(wx.SignatureRefused):
        _declare(client)
    sim.get().add_fault("query", fault)
    with pytest.raises(wx.SignatureRefused):
        client.query("HANGZHOU_ZS", out_trade_no="SO1")


def test_answer_naming_another_merchant_is_refused():
    config = sim.get().config
    simulator = sim.Simulator(sim.SimConfig(appid=config.appid, mch_id="1999999999",
                                            key=config.key))
    client = wx.Client(wx.Credentials(config.appid, config.mch_id, config.key),
                       sim.SimTransport(simulator))

    class Rewrite:
        def post(self, path, body):
            params = codec.loads(body)
            params["mch_id"] = "1999999999"
            params["sign"] = signing.sign(params, config.key)
            return simulator.handle(path, codec.dumps(params))

    client.transport = Rewrite()
    with pytest.raises(wx.SignatureRefused, match="mch_id"):
        _declare(client)


def test_timeouts_and_system_errors(client):
    sim.get().add_fault("declare", "timeout")
    with pytest.raises(wx.TransportError):
        _declare(client)
    sim.get().add_fault("declare", "system_error")
    assert _declare(client).err_code == "SYSTEMERROR"
    assert _declare(client).ok


def test_reset_forgets_state_and_test_hooks():
    sim.get().add_fault("declare", "timeout")
    sim.register_lookup(lambda t: None)
    before = len(sim._lookups)
    sim.reset()
    assert sim.get().faults == [] and sim.get().records == {}
    assert len(sim._lookups) == before - 1


def test_unknown_faults_are_refused():
    with pytest.raises(ValueError):
        sim.get().add_fault("declare", "explode")
