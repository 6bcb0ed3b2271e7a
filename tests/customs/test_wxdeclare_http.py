"""The WeChat Pay customs-declaration simulator mounted over HTTP (staging's
SHEQUN_WECHATPAY_CUSTOMS_URL=<site>/sim/wxpay): the same wire format through
Django, and its fault switch."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from shequn.customs.wxdeclare import client as wx
from shequn.customs.wxdeclare import sim

pytestmark = pytest.mark.django_db
TXN = "4200001234202601010000000009"


class DjangoTransport:
    def __init__(self) -> None:
        self.http = Client()

    def post(self, path: str, body: bytes) -> bytes:
        response = self.http.post(f"/sim/wxpay{path}", body, content_type="text/xml")
        if response.status_code != 200:
            raise wx.TransportError(f"HTTP {response.status_code}")
        return response.content


def _client() -> wx.Client:
    c = sim.get().config
    return wx.Client(wx.Credentials(c.appid, c.mch_id, c.key, "HMAC-SHA256"), DjangoTransport())


def test_declare_and_query_over_http():
    client = _client()
    answer = client.declare(wx.DeclareRequest("SO9", TXN, "HANGZHOU_ZS", "3301960SQP"))
    assert answer.ok and answer.state == "UNDECLARED"
    states = [client.query("HANGZHOU_ZS", transaction_id=TXN).item().state for _ in range(3)]
    assert states == ["SUBMITTED", "PROCESSING", "SUCCESS"]


def test_faults_over_http():
    http = Client()
    response = http.post("/sim/wxpay/_sim/faults",
                         json.dumps({"endpoint": "declare", "kind": "timeout"}),
                         content_type="application/json")
    assert response.status_code == 200 and response.json()["faults"]
    with pytest.raises(wx.TransportError, match="504"):
        _client().declare(wx.DeclareRequest("SO9", TXN, "HANGZHOU_ZS", "3301960SQP"))
    bad = http.post("/sim/wxpay/_sim/faults", json.dumps({"endpoint": "x", "kind": "y"}),
                    content_type="application/json")
    assert bad.status_code == 400 and bad.json()["code"] == "bad_fault"


def test_unknown_endpoint_and_get_are_refused():
    http = Client()
    assert http.post("/sim/wxpay/cgi-bin/mch/other", b"<xml/>",
                     content_type="text/xml").status_code == 404
    assert http.get("/sim/wxpay/cgi-bin/mch/customs/customdeclareorder").status_code == 405
