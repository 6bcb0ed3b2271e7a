"""The operator's command, an external contract:
``shequn wechatpay verify-notification --headers H.json --body B.json``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shequn.payments.wechatpay import crypto

APIV3 = "A" * 16 + "b" * 16
PLAIN = {"out_trade_no": "SO1", "trade_state": "SUCCESS", "amount": {"total": 25900}}


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("pki")
    key = crypto.new_keypair()
    cert = crypto.self_signed_cert(key, "platform", serial=0xABCDEF0123456789)
    (tmp / "cert.pem").write_bytes(crypto.cert_pem(cert))
    (tmp / "pub.pem").write_bytes(crypto.public_pem(key.public_key()))
    return {"key": key, "serial": crypto.cert_serial(cert), "dir": tmp}


def _command() -> list[str]:
    script = Path(sys.executable).parent / "shequn"
    if script.exists():
        return [str(script)]
    found = shutil.which("shequn")
    return [found] if found else [sys.executable, "-m", "shequn.cli"]


def _notification(pki, *, serial=None, ts=None, key=None, aad="transaction", apiv3=APIV3,
                  plain=None):
    resource = crypto.encrypt_resource(apiv3, json.dumps(plain or PLAIN).encode(),
                                       associated_data=aad)
    body = json.dumps({"id": "EV-1", "event_type": "TRANSACTION.SUCCESS",
                       "resource_type": "encrypt-resource", "resource": resource},
                      ensure_ascii=False).encode()
    headers = crypto.signed_headers(key or pki["key"], serial or pki["serial"], body,
                                    timestamp=ts)
    return headers, body


def _run(tmp_path, pki, headers, body, cert="cert.pem", extra_env=None):
    h, b = tmp_path / "H.json", tmp_path / "B.json"
    h.write_text(json.dumps(headers))
    b.write_bytes(body)
    env = {**os.environ, "SHEQUN_WECHATPAY_APIV3_KEY": APIV3,
           "SHEQUN_WECHATPAY_PLATFORM_CERT": str(pki["dir"] / cert), **(extra_env or {})}
    env.pop("SHEQUN_WECHATPAY_PUBLIC_KEY_ID", None) if not extra_env else None
    return subprocess.run([*_command(), "wechatpay", "verify-notification", "--headers", str(h),
                           "--body", str(b)], env=env, capture_output=True, timeout=60)


def test_good_notification_prints_the_resource(tmp_path, pki):
    headers, body = _notification(pki)
    done = _run(tmp_path, pki, headers, body)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == PLAIN


def test_header_names_and_serial_are_case_insensitive(tmp_path, pki):
    headers, body = _notification(pki, serial=pki["serial"].lower())
    done = _run(tmp_path, pki, {k.upper(): v for k, v in headers.items()}, body)
    assert done.returncode == 0, done.stderr


def test_public_key_pem_is_accepted(tmp_path, pki):
    headers, body = _notification(pki, serial="PUB_KEY_ID_0112860886012025062700111588000000")
    done = _run(tmp_path, pki, headers, body, cert="pub.pem")
    assert done.returncode == 0, done.stderr
    done = _run(tmp_path, pki, headers, body, cert="pub.pem", extra_env={
        "SHEQUN_WECHATPAY_PUBLIC_KEY_ID": "PUB_KEY_ID_OTHER"})
    assert done.returncode == 1


@pytest.mark.parametrize("case,word", [
    ("signature", "bad_signature"), ("serial", "unknown_serial"),
    ("old", "stale_timestamp"), ("future", "stale_timestamp"),
    ("decrypt", "decrypt_failed"), ("body", "bad_signature"), ("probe", "bad_signature")])
def test_each_bad_notification_exits_1_with_reason(tmp_path, pki, case, word):
    now = int(time.time())
    kwargs = {"signature": {"key": crypto.new_keypair()},
              "serial": {"serial": "0123456789ABCDEF"},
              "old": {"ts": now - 301}, "future": {"ts": now + 301},
              "decrypt": {"apiv3": "Z" * 32}}.get(case, {})
    headers, body = _notification(pki, **kwargs)
    if case == "body":
        body = body.replace(b"EV-1", b"EV-2")
    if case == "probe":
        headers["Wechatpay-Signature"] = "WECHATPAY/SIGNTEST/" + headers["Wechatpay-Signature"]
    done = _run(tmp_path, pki, headers, body)
    assert done.returncode == 1
    assert word in done.stderr.decode()
    assert done.stdout == b""


def test_sim_keys_prints_a_configuration_that_verifies(tmp_path):
    done = subprocess.run([*_command(), "wechatpay", "sim-keys", "--dir", str(tmp_path / "m")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    env = dict(line.split("=", 1) for line in done.stdout.splitlines())
    assert Path(env["SHEQUN_WECHATPAY_PLATFORM_CERT"]).is_file()
    assert len(env["SHEQUN_WECHATPAY_APIV3_KEY"]) == 32
    assert env["SHEQUN_WECHATPAY_PUBLIC_KEY_ID"].startswith("PUB_KEY_ID_")
    again = subprocess.run([*_command(), "wechatpay", "sim-keys", "--dir", str(tmp_path / "m")],
                           capture_output=True, text=True, timeout=60)
    assert again.stdout == done.stdout  # made once
