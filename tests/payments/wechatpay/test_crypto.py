"""Crypto of WeChat Pay v3: the spec's vectors, tampering, and interoperability
with the ``wechatpayv3`` SDK (a test dependency only, as an independent oracle)."""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from shequn.payments.wechatpay import crypto
from tests.payments.wechatpay.keys import APIV3_KEY, merchant, platform, stranger

NOW = 1_800_000_000
VECTOR_CT = "Eu6myr+6GaECeJdOZPZ6BX5lij2Vohspf9pbw6Eor54J6prefQGx4A8pw4JzQ/lkgFh/UIp8nXF6h6aOBw=="
VECTOR_PT = b'{"out_trade_no":"T1","trade_state":"SUCCESS"}'


def _verifier():
    key, cert = platform()
    v = crypto.Verifier()
    v.add_pem(crypto.cert_pem(cert))
    return v


def test_aead_vector_from_spec():
    resource = {"algorithm": "AEAD_AES_256_GCM", "ciphertext": VECTOR_CT,
                "associated_data": "transaction", "nonce": "abcdefghijkl"}
    assert crypto.decrypt_resource(APIV3_KEY, resource) == VECTOR_PT
    made = crypto.encrypt_resource(APIV3_KEY, VECTOR_PT, associated_data="transaction",
                                   nonce="abcdefghijkl")
    assert made["ciphertext"] == VECTOR_CT


@pytest.mark.parametrize("change", [
    {"associated_data": "refund"}, {"nonce": "abcdefghijkm"}, {"algorithm": "AES"},
    {"ciphertext": VECTOR_CT[:-4] + "AAA="}, {"ciphertext": "%%%"}])
def test_aead_tamper_is_refused(change):
    resource = {"algorithm": "AEAD_AES_256_GCM", "ciphertext": VECTOR_CT,
                "associated_data": "transaction", "nonce": "abcdefghijkl", **change}
    with pytest.raises(crypto.VerificationError) as exc:
        crypto.decrypt_resource(APIV3_KEY, resource)
    assert exc.value.reason == "decrypt_failed"


def test_wrong_apiv3_key_is_refused():
    resource = {"algorithm": "AEAD_AES_256_GCM", "ciphertext": VECTOR_CT,
                "associated_data": "transaction", "nonce": "abcdefghijkl"}
    with pytest.raises(crypto.VerificationError):
        crypto.decrypt_resource("x" * 32, resource)


def test_request_message_layout_matches_spec():
    msg = crypto.request_message("get", "/v3/pay/transactions/out-trade-no/T1?mchid=1900009191",
                                 "1554208460", "593BEC0C930BF1AFEB40B4A08C8FB242", b"")
    assert msg == (b"GET\n/v3/pay/transactions/out-trade-no/T1?mchid=1900009191\n"
                   b"1554208460\n593BEC0C930BF1AFEB40B4A08C8FB242\n\n")


def test_authorization_round_trip_and_item_order():
    key = merchant()
    body = b'{"a":1}'
    header = crypto.authorization(mchid="1900009191", serial_no="1DDE55AD", private_key=key,
                                  method="POST", path_and_query="/v3/x", body=body,
                                  timestamp=NOW, nonce="N1")
    assert header.startswith('WECHATPAY2-SHA256-RSA2048 mchid="1900009191",nonce_str="N1",')
    items = crypto.verify_authorization(header, method="POST", path_and_query="/v3/x",
                                        body=body, now=NOW,
                                        key_for_serial={"1DDE55AD": key.public_key()}.get)
    assert items["mchid"] == "1900009191"
    schema, _, rest = header.partition(" ")
    shuffled = schema + " " + ",".join(reversed(rest.split(",")))
    crypto.verify_authorization(shuffled, method="POST", path_and_query="/v3/x", body=body,
                                now=NOW, key_for_serial={"1DDE55AD": key.public_key()}.get)
    for kwargs, reason in [({"body": b'{"a":2}'}, "bad_signature"),
                           ({"path_and_query": "/v3/y"}, "bad_signature"),
                           ({"now": NOW + 300}, "stale_timestamp")]:
        args = {"method": "POST", "path_and_query": "/v3/x", "body": body, "now": NOW,
                "key_for_serial": {"1DDE55AD": key.public_key()}.get, **kwargs}
        with pytest.raises(crypto.VerificationError) as exc:
            crypto.verify_authorization(header, **args)
        assert exc.value.reason == reason
    with pytest.raises(crypto.VerificationError) as exc:
        crypto.verify_authorization(header, method="POST", path_and_query="/v3/x", body=body,
                                    now=NOW, key_for_serial={}.get)
    assert exc.value.reason == "unknown_serial"


def test_notification_verifies_with_cert_or_public_key():
    key, cert = platform()
    body = b'{"id":"EV-1"}'
    headers = crypto.signed_headers(key, crypto.cert_serial(cert), body, timestamp=NOW)
    assert crypto.verify_signed(headers, body, _verifier(), now=NOW)
    lower = {k.lower(): v for k, v in headers.items()}
    lower["wechatpay-serial"] = lower["wechatpay-serial"].lower()
    crypto.verify_signed(lower, body, _verifier(), now=NOW)
    pub = crypto.Verifier()
    pub.add_pem(crypto.public_pem(key.public_key()), "PUB_KEY_ID_0112860886012025062700111588")
    h2 = crypto.signed_headers(key, "PUB_KEY_ID_0112860886012025062700111588", body,
                               timestamp=NOW)
    crypto.verify_signed(h2, body, pub, now=NOW)


@pytest.mark.parametrize("mutate,reason", [
    (lambda h, b: (h, b + b" "), "bad_signature"),
    (lambda h, b: ({**h, "Wechatpay-Nonce": h["Wechatpay-Nonce"] + "x"}, b), "bad_signature"),
    (lambda h, b: ({**h, "Wechatpay-Timestamp": str(NOW - 1)}, b), "bad_signature"),
    (lambda h, b: ({**h, "Wechatpay-Timestamp": str(NOW - 300)}, b), "stale_timestamp"),
    (lambda h, b: ({**h, "Wechatpay-Timestamp": str(NOW + 301)}, b), "stale_timestamp"),
    (lambda h, b: ({**h, "Wechatpay-Serial": "ABCDEF"}, b), "unknown_serial"),
    (lambda h, b: ({**h, "Wechatpay-Signature": "WECHATPAY/SIGNTEST/abc"}, b),
     "bad_signature"),
    (lambda h, b: ({k: v for k, v in h.items() if k != "Wechatpay-Signature"}, b),
     "missing_headers"),
])
def test_notification_tamper_is_refused(mutate, reason):
    key, cert = platform()
    body = b'{"id":"EV-1"}'
    headers, body2 = mutate(crypto.signed_headers(key, crypto.cert_serial(cert), body,
                                                  timestamp=NOW), body)
    with pytest.raises(crypto.VerificationError) as exc:
        crypto.verify_signed(headers, body2, _verifier(), now=NOW)
    assert exc.value.reason == reason


def test_signed_by_another_key_is_refused():
    _key, cert = platform()
    body = b"{}"
    headers = crypto.signed_headers(stranger(), crypto.cert_serial(cert), body, timestamp=NOW)
    with pytest.raises(crypto.VerificationError):
        crypto.verify_signed(headers, body, _verifier(), now=NOW)


def test_pay_sign_is_rsa_over_four_lines():
    key = merchant()
    params = crypto.jsapi_params(key, "wxd678efh567hg6787", "wx2611", timestamp=NOW,
                                 nonce="5K8264ILTKCH16CQ2502SI8ZNMTM67VS")
    assert params["package"] == "prepay_id=wx2611" and params["signType"] == "RSA"
    assert params["timeStamp"] == str(NOW)
    msg = f"wxd678efh567hg6787\n{NOW}\n5K8264ILTKCH16CQ2502SI8ZNMTM67VS\nprepay_id=wx2611\n"
    key.public_key().verify(base64.b64decode(params["paySign"]), msg.encode(),
                            padding.PKCS1v15(), hashes.SHA256())
    assert crypto.verify_pay_sign(key.public_key(), params)
    assert not crypto.verify_pay_sign(key.public_key(), {**params, "package": "prepay_id=x"})


# ------------------------------------------------------------ interop


wechatpayv3_utils = pytest.importorskip("wechatpayv3.utils")


def test_interop_our_authorization_verifies_like_the_sdk_signs():
    """The SDK's build_authorization and ours sign the same string: same key, same
    inputs → the same PKCS#1 v1.5 signature (deterministic)."""
    key = merchant()
    body = json.dumps({"mchid": "1", "amount": {"total": 1}})
    sdk = wechatpayv3_utils.build_authorization("/v3/pay/transactions/native", "POST", "1",
                                                "SER", key, data=body, nonce_str="NONCE")
    items = crypto.parse_authorization(sdk)
    ours = crypto.authorization(mchid="1", serial_no="SER", private_key=key, method="POST",
                                path_and_query="/v3/pay/transactions/native",
                                body=body.encode(), timestamp=int(items["timestamp"]),
                                nonce="NONCE")
    assert crypto.parse_authorization(ours)["signature"] == items["signature"]


def test_interop_sdk_verifies_our_notification_and_we_verify_its_signature():
    key, cert = platform()
    body = b'{"id":"EV-2","resource":{}}'
    headers = crypto.signed_headers(key, crypto.cert_serial(cert), body)
    assert wechatpayv3_utils.rsa_verify(headers["Wechatpay-Timestamp"],
                                        headers["Wechatpay-Nonce"], body.decode(),
                                        headers["Wechatpay-Signature"], cert.public_key())
    sdk_sig = wechatpayv3_utils.rsa_sign(key, f"{NOW}\nN\n{body.decode()}\n")
    crypto.verify_signed({"Wechatpay-Timestamp": str(NOW), "Wechatpay-Nonce": "N",
                          "Wechatpay-Signature": sdk_sig,
                          "Wechatpay-Serial": crypto.cert_serial(cert)}, body,
                         _verifier(), now=NOW)


def test_interop_aead_both_ways():
    res = crypto.encrypt_resource(APIV3_KEY, b'{"x":"\xe4\xb8\xad"}', associated_data="refund")
    assert wechatpayv3_utils.aes_decrypt(res["nonce"], res["ciphertext"], "refund",
                                         APIV3_KEY) == '{"x":"中"}'
    assert wechatpayv3_utils.aes_decrypt("abcdefghijkl", VECTOR_CT, "transaction",
                                         APIV3_KEY) == VECTOR_PT.decode()


def test_interop_pay_sign_matches_sdk_sign():
    from wechatpayv3.core import Core

    key = merchant()
    core = Core.__new__(Core)
    core._private_key = key
    sdk = core.sign(["wxapp", str(NOW), "NONCE", "prepay_id=wx1"])
    assert crypto.pay_sign(key, "wxapp", str(NOW), "NONCE", "prepay_id=wx1") == sdk
