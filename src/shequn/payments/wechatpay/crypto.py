"""WeChat Pay API v3 cryptography, on ``cryptography`` only (no Django).

- request signing: ``METHOD\\nPATH?QUERY\\nTS\\nNONCE\\nBODY\\n``, RSA-SHA256
  PKCS#1 v1.5 with the merchant key, in a ``WECHATPAY2-SHA256-RSA2048`` header;
- verification of responses and notifications: ``TS\\nNONCE\\nBODY\\n`` over the
  raw bytes, with the platform certificate or the WeChat Pay public key picked
  by ``Wechatpay-Serial``; unknown serial, bad signature and a timestamp 5
  minutes or more away from now are refused;
- AEAD_AES_256_GCM decryption of notification resources with the APIv3 key;
- the JSAPI ``paySign`` (``appId\\ntimeStamp\\nnonceStr\\npackage\\n``).

specs/wechat-channel.md §3.1, §3.2, §3.4, §3.5.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SCHEMA = "WECHATPAY2-SHA256-RSA2048"
MAX_SKEW_SECONDS = 300
PUBLIC_KEY_ID_PREFIX = "PUB_KEY_ID_"
# WeChat probes merchants with deliberately bad signatures starting with this.
SIGNTEST_PREFIX = "WECHATPAY/SIGNTEST/"


class VerificationError(Exception):
    """A response or notification that must not be believed. ``reason`` is one of
    missing_headers, unknown_serial, stale_timestamp, bad_signature,
    bad_signature_type, decrypt_failed, malformed."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)


def nonce_str(nbytes: int = 16) -> str:
    return secrets.token_hex(nbytes).upper()


# ----------------------------------------------------------------- keys


def load_private_key(pem: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("not an RSA private key")
    return key


def load_verifier(pem: bytes) -> tuple[rsa.RSAPublicKey, str | None]:
    """An RSA public key from a certificate PEM (with its serial in uppercase hex)
    or from a public-key PEM (serial None: the caller names it PUB_KEY_ID_…)."""
    if b"BEGIN CERTIFICATE" in pem:
        cert = x509.load_pem_x509_certificate(pem)
        key = cert.public_key()
        serial: str | None = cert_serial(cert)
    else:
        key = serialization.load_pem_public_key(pem)  # type: ignore[assignment]
        serial = None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError("not an RSA public key")
    return key, serial


def cert_serial(cert: x509.Certificate) -> str:
    return format(cert.serial_number, "X")


def _norm_serial(serial: str) -> str:
    serial = serial.strip()
    if serial.upper().startswith(PUBLIC_KEY_ID_PREFIX):
        return serial
    # Hex serials compare case-insensitively and without leading zeros.
    return serial.upper().lstrip("0") or "0"


@dataclass
class Verifier:
    """The keys WeChat Pay may sign with, by serial (platform certificates and/or
    the public key ``PUB_KEY_ID_…``). Both modes at once during a switch-over."""

    keys: dict[str, rsa.RSAPublicKey] = field(default_factory=dict)

    def add(self, serial: str, key: rsa.RSAPublicKey) -> None:
        self.keys[_norm_serial(serial)] = key

    def add_pem(self, pem: bytes, serial: str | None = None) -> str:
        key, own = load_verifier(pem)
        name = serial or own
        if not name:
            raise ValueError("a public key PEM needs its PUB_KEY_ID_… serial")
        self.add(name, key)
        return name

    def key_for(self, serial: str) -> rsa.RSAPublicKey | None:
        return self.keys.get(_norm_serial(serial)) if serial else None


# ------------------------------------------------------------ signing


def sign(private_key: rsa.RSAPrivateKey, message: bytes) -> str:
    raw = private_key.sign(message, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(raw).decode("ascii")


def verify_raw(public_key: rsa.RSAPublicKey, message: bytes, signature: str) -> bool:
    try:
        raw = base64.b64decode(signature.encode("ascii"), validate=True)
        public_key.verify(raw, message, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, binascii.Error, ValueError, UnicodeEncodeError):
        return False
    return True


def request_message(method: str, path_and_query: str, timestamp: str, nonce: str,
                    body: bytes) -> bytes:
    return b"".join([method.upper().encode(), b"\n", path_and_query.encode("utf-8"), b"\n",
                     timestamp.encode(), b"\n", nonce.encode(), b"\n", body, b"\n"])


def authorization(*, mchid: str, serial_no: str, private_key: rsa.RSAPrivateKey, method: str,
                  path_and_query: str, body: bytes = b"", timestamp: int | None = None,
                  nonce: str | None = None) -> str:
    """The ``Authorization`` header value of one request."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or nonce_str()
    signature = sign(private_key, request_message(method, path_and_query, ts, nonce, body))
    return (f'{SCHEMA} mchid="{mchid}",nonce_str="{nonce}",signature="{signature}",'
            f'timestamp="{ts}",serial_no="{serial_no}"')


_AUTH_ITEM = re.compile(r'\s*([a-z_]+)="([^"]*)"\s*')


def parse_authorization(value: str) -> dict[str, str]:
    """The five items of an Authorization header (any order); {} when malformed."""
    schema, _, rest = value.strip().partition(" ")
    if schema != SCHEMA:
        return {}
    items: dict[str, str] = {}
    for part in rest.split(","):
        m = _AUTH_ITEM.fullmatch(part)
        if not m:
            return {}
        items[m.group(1)] = m.group(2)
    if not {"mchid", "nonce_str", "signature", "timestamp", "serial_no"} <= items.keys():
        return {}
    return items


def verify_authorization(value: str, *, method: str, path_and_query: str, body: bytes,
                         key_for_serial: Any, now: int | None = None) -> dict[str, str]:
    """The simulator's side of §3.1: the parsed items when the header is good,
    else VerificationError. ``key_for_serial(serial) -> public key | None``."""
    items = parse_authorization(value)
    if not items:
        raise VerificationError("malformed", "Authorization")
    key = key_for_serial(items["serial_no"])
    if key is None:
        raise VerificationError("unknown_serial", items["serial_no"])
    _check_time(items["timestamp"], now)
    msg = request_message(method, path_and_query, items["timestamp"], items["nonce_str"], body)
    if not verify_raw(key, msg, items["signature"]):
        raise VerificationError("bad_signature")
    return items


# -------------------------------------------------- responses, notifications


def response_message(timestamp: str, nonce: str, body: bytes) -> bytes:
    return timestamp.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"


def signed_headers(private_key: rsa.RSAPrivateKey, serial: str, body: bytes,
                   timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
    """Headers WeChat Pay puts on a response or a notification (simulator, tests)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or nonce_str()
    return {"Wechatpay-Timestamp": ts, "Wechatpay-Nonce": nonce,
            "Wechatpay-Signature": sign(private_key, response_message(ts, nonce, body)),
            "Wechatpay-Serial": serial, "Wechatpay-Signature-Type": SCHEMA}


def _header(headers: Mapping[str, str], name: str) -> str:
    lowered = name.lower()
    for key, value in headers.items():
        if key.lower() == lowered or key.lower() == "http_" + lowered.replace("-", "_"):
            return str(value)
    return ""


def _check_time(timestamp: str, now: int | None) -> None:
    if not (timestamp.isascii() and timestamp.isdigit()):
        raise VerificationError("stale_timestamp", "not a number")
    current = int(time.time()) if now is None else now
    if abs(current - int(timestamp)) >= MAX_SKEW_SECONDS:
        raise VerificationError("stale_timestamp",
                                f"{int(timestamp) - current:+d} s from now")


def verify_signed(headers: Mapping[str, str], body: bytes, verifier: Verifier,
                  now: int | None = None) -> str:
    """Check a response's or notification's signature; returns the serial that
    signed it, else raises VerificationError. ``headers`` names are
    case-insensitive (Django ``request.headers`` and META both work)."""
    ts, nonce, signature, serial = (_header(headers, n) for n in (
        "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature", "Wechatpay-Serial"))
    if not (ts and nonce and signature and serial):
        raise VerificationError("missing_headers")
    sig_type = _header(headers, "Wechatpay-Signature-Type")
    if sig_type and sig_type != SCHEMA:
        raise VerificationError("bad_signature_type", sig_type)
    key = verifier.key_for(serial)
    if key is None:
        raise VerificationError("unknown_serial", serial)
    _check_time(ts, now)
    if signature.startswith(SIGNTEST_PREFIX) or not nonce.isascii():
        raise VerificationError("bad_signature", "probe" if signature.startswith(
            SIGNTEST_PREFIX) else "nonce")
    if not verify_raw(key, response_message(ts, nonce, body), signature):
        raise VerificationError("bad_signature")
    return serial


# ------------------------------------------------------------ AEAD


def _apiv3_key(key: str | bytes) -> bytes:
    raw = key.encode("utf-8") if isinstance(key, str) else key
    if len(raw) != 32:
        raise ValueError(f"the APIv3 key is 32 bytes, not {len(raw)}")
    return raw


def encrypt_resource(apiv3_key: str | bytes, plaintext: bytes, *, associated_data: str = "",
                     nonce: str | None = None, original_type: str = "transaction"
                     ) -> dict[str, str]:
    """A notification ``resource`` (simulator, tests)."""
    nonce = nonce or secrets.token_hex(6)
    ct = AESGCM(_apiv3_key(apiv3_key)).encrypt(nonce.encode(), plaintext,
                                               associated_data.encode())
    return {"original_type": original_type, "algorithm": "AEAD_AES_256_GCM",
            "ciphertext": base64.b64encode(ct).decode("ascii"),
            "associated_data": associated_data, "nonce": nonce}


def decrypt_resource(apiv3_key: str | bytes, resource: Mapping[str, Any]) -> bytes:
    """The plaintext of a notification resource; VerificationError(decrypt_failed)
    when the algorithm, key, nonce, AAD or tag is wrong."""
    try:
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            raise VerificationError("decrypt_failed",
                                    f"algorithm {resource.get('algorithm')!r}")
        data = base64.b64decode(str(resource["ciphertext"]).encode("ascii"), validate=True)
        nonce = str(resource["nonce"]).encode("utf-8")
        aad = str(resource.get("associated_data") or "").encode("utf-8")
        return AESGCM(_apiv3_key(apiv3_key)).decrypt(nonce, data, aad)
    except VerificationError:
        raise
    except (InvalidTag, KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise VerificationError("decrypt_failed", type(exc).__name__) from exc


def open_notification(headers: Mapping[str, str], body: bytes, verifier: Verifier,
                      apiv3_key: str | bytes, now: int | None = None
                      ) -> tuple[dict[str, Any], dict[str, Any]]:
    """Verify and decrypt a notification: (envelope, resource plaintext as JSON)."""
    verify_signed(headers, body, verifier, now)
    try:
        envelope = json.loads(body)
        resource = envelope["resource"]
        if not isinstance(resource, dict):
            raise TypeError("resource")
    except (ValueError, KeyError, TypeError) as exc:
        raise VerificationError("malformed", "envelope") from exc
    plain = decrypt_resource(apiv3_key, resource)
    try:
        data = json.loads(plain)
    except ValueError as exc:
        raise VerificationError("malformed", "resource") from exc
    if not isinstance(data, dict):
        raise VerificationError("malformed", "resource")
    return envelope, data


# ------------------------------------------------------------ JSAPI


def pay_sign(private_key: rsa.RSAPrivateKey, app_id: str, timestamp: str, nonce: str,
             package: str) -> str:
    return sign(private_key, f"{app_id}\n{timestamp}\n{nonce}\n{package}\n".encode())


def jsapi_params(private_key: rsa.RSAPrivateKey, app_id: str, prepay_id: str,
                 timestamp: int | None = None, nonce: str | None = None) -> dict[str, str]:
    """The object for ``WeixinJSBridge.invoke('getBrandWCPayRequest', …)``."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    nonce = nonce or nonce_str()
    package = f"prepay_id={prepay_id}"
    return {"appId": app_id, "timeStamp": ts, "nonceStr": nonce, "package": package,
            "signType": "RSA", "paySign": pay_sign(private_key, app_id, ts, nonce, package)}


def verify_pay_sign(public_key: rsa.RSAPublicKey, params: Mapping[str, str]) -> bool:
    msg = (f"{params.get('appId', '')}\n{params.get('timeStamp', '')}\n"
           f"{params.get('nonceStr', '')}\n{params.get('package', '')}\n").encode()
    return verify_raw(public_key, msg, str(params.get("paySign", "")))


# ------------------------------------------------------------ key material


def new_keypair() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def public_pem(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def self_signed_cert(key: rsa.RSAPrivateKey, common_name: str, serial: int | None = None
                     ) -> x509.Certificate:
    """A certificate standing in for a platform or merchant certificate (demo, tests)."""
    import datetime as dt

    from cryptography.x509.oid import NameOID

    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=1)
    return (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key())
            .serial_number(serial or x509.random_serial_number())
            .not_valid_before(start).not_valid_after(start + dt.timedelta(days=3650))
            .sign(key, hashes.SHA256()))


def cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)
