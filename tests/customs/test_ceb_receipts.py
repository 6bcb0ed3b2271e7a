"""Receipt meaning: correlation keys, rejection codes and return times, on the
official samples and on built receipts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from shequn.customs.ceb.messages import read_message
from shequn.customs.ceb.model import SHANGHAI, InventoryReturn, OrderLine
from shequn.customs.ceb.receipts import STATUS_TEXT, is_rejection, receipt_key, returned_at
from tests.customs.test_ceb_build import RECEIPTS

SAMPLES = Path(__file__).with_name("samples")


def test_sample_receipt_keys():
    order_ret = read_message((SAMPLES / "CEB312Message.xml").read_bytes()).records[0]
    assert receipt_key(order_ret) == (order_ret.ebp_code, order_ret.ebc_code,
                                      order_ret.order_no)
    inv_ret = read_message((SAMPLES / "CEB622Message.xml").read_bytes()).records[0]
    assert receipt_key(inv_ret) == ("cop2016032211000",)
    assert returned_at(inv_ret) == dt.datetime(2016, 5, 12, 10, 26, 46, 1000, tzinfo=SHANGHAI)


@pytest.mark.parametrize(("mtype", "record"), RECEIPTS, ids=[r[0] for r in RECEIPTS])
def test_every_receipt_has_a_key_and_time(mtype, record):
    key = receipt_key(record)
    assert key and all(key)
    assert returned_at(record).tzinfo is SHANGHAI


def test_non_receipt_has_no_key():
    line = OrderLine(gnum=1, item_name="x", gmodel="x", unit="007", qty=1, price=1,
                     total_price=1, country="142")
    with pytest.raises(TypeError):
        receipt_key(line)


@pytest.mark.parametrize(("status", "rejected"), [
    ("100", True), ("4", True), ("-621005", True), ("120", False), ("800", False),
    ("2", False), ("399", False),
])
def test_rejection_codes(status, rejected):
    assert is_rejection(status) is rejected


def test_status_texts_cover_the_documented_codes():
    assert {"2", "3", "100", "120", "300", "399", "500", "800", "899"} <= set(STATUS_TEXT)
    rec = InventoryReturn(cop_no="C1", pre_no="B" * 18, return_status="800",
                          return_time="20261124103000123", return_info="放行")
    assert "放行" in STATUS_TEXT[rec.return_status]
