"""``shequn wechatpay verify-notification --headers H.json --body B.json``

The operator's check of a WeChat Pay v3 notification as it was received: the
headers file is a JSON object of header name → value (names case-insensitive),
the body file the raw bytes received. Configured by the environment:

    SHEQUN_WECHATPAY_APIV3_KEY      the 32-character APIv3 key
    SHEQUN_WECHATPAY_PLATFORM_CERT  path of the platform certificate PEM, or of the
                                    WeChat Pay public key PEM (then Wechatpay-Serial
                                    must be SHEQUN_WECHATPAY_PUBLIC_KEY_ID when that
                                    is set, else any PUB_KEY_ID_… serial)

Exit 0 printing the decrypted resource (JSON) on stdout; exit 1 with the reason
on stderr when the signature, the serial (Wechatpay-Serial is the certificate's
serial number in hex, case-insensitive), the timestamp (5 minutes or more off
now) or the decryption is wrong; exit 2 for usage and configuration errors.
No Django, no database.

``shequn wechatpay sim-keys --dir DIR`` makes (once) the simulator's key material
in DIR and prints the SHEQUN_WECHATPAY_* lines that point Shequn at it (staging
with the simulator at ``SHEQUN_WECHATPAY_BASE_URL=https://<host>/wxpaysim``, and
``SHEQUN_VAR_DIR`` such that DIR is ``$SHEQUN_VAR_DIR/wechatpay-demo``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

from shequn.payments.wechatpay import crypto

USAGE = ("usage: shequn wechatpay verify-notification --headers HEADERS.json "
         "--body BODY\n")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shequn wechatpay", add_help=True)
    sub = parser.add_subparsers(dest="command")
    verify = sub.add_parser("verify-notification",
                            help="verify and decrypt one received notification")
    verify.add_argument("--headers", required=True, help="JSON object: header name → value")
    verify.add_argument("--body", required=True, help="the raw body as received")
    keys = sub.add_parser("sim-keys", help="make the simulator's key material, print env lines")
    keys.add_argument("--dir", required=True)
    return parser


class _Usage(Exception):
    pass


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise _Usage(f"cannot read {path}: {exc.strerror}") from exc


def _verifier(env: Any) -> crypto.Verifier:
    path = env.get("SHEQUN_WECHATPAY_PLATFORM_CERT", "")
    if not path:
        raise _Usage("SHEQUN_WECHATPAY_PLATFORM_CERT is not set (path of the platform "
                     "certificate or public key PEM)")
    pem = _read(path)
    try:
        key, serial = crypto.load_verifier(pem)
    except ValueError as exc:
        raise _Usage(f"{path}: not an RSA certificate or public key PEM ({exc})") from exc
    verifier = crypto.Verifier()
    if serial is not None:
        verifier.add(serial, key)
    else:
        verifier.add(env.get("SHEQUN_WECHATPAY_PUBLIC_KEY_ID", "") or "*PUBLIC*", key)
    return verifier


def verify_notification(headers: dict[str, str], body: bytes, env: Any) -> bytes:
    """The decrypted resource, or VerificationError / _Usage."""
    apiv3_key = env.get("SHEQUN_WECHATPAY_APIV3_KEY", "")
    if len(apiv3_key.encode()) != 32:
        raise _Usage("SHEQUN_WECHATPAY_APIV3_KEY must be the 32-character APIv3 key")
    verifier = _verifier(env)
    if "*PUBLIC*" in verifier.keys:
        # A public key without a configured ID: accept the PUB_KEY_ID_… it names.
        serial = next((v for k, v in headers.items() if k.lower() == "wechatpay-serial"), "")
        if serial.startswith(crypto.PUBLIC_KEY_ID_PREFIX):
            verifier.add(serial, verifier.keys.pop("*PUBLIC*"))
    crypto.verify_signed(headers, body, verifier)
    try:
        resource = json.loads(body)["resource"]
    except (ValueError, KeyError, TypeError) as exc:
        raise crypto.VerificationError("malformed", "body is not a notification envelope"
                                       ) from exc
    if not isinstance(resource, dict):
        raise crypto.VerificationError("malformed", "resource is not an object")
    return crypto.decrypt_resource(apiv3_key, resource)


def main(argv: list[str]) -> int:
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0) and 2
    if args.command == "sim-keys":
        from pathlib import Path

        from shequn.payments.wechatpay.config import demo_material, material_env

        sys.stdout.write(material_env(demo_material(Path(args.dir).resolve())))
        return 0
    if args.command != "verify-notification":
        sys.stderr.write(USAGE)
        return 2
    try:
        raw_headers = json.loads(_read(args.headers))
        if not isinstance(raw_headers, dict):
            raise _Usage(f"{args.headers}: not a JSON object of header name → value")
        headers = {str(k): str(v) for k, v in raw_headers.items()}
        plain = verify_notification(headers, _read(args.body), os.environ)
    except _Usage as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    except ValueError as exc:  # the headers file is not JSON
        sys.stderr.write(f"error: {args.headers}: not JSON ({exc})\n")
        return 2
    except crypto.VerificationError as exc:
        sys.stderr.write(f"refused: {exc}\n")
        return 1
    sys.stdout.write(plain.decode("utf-8", errors="replace") + "\n")
    sys.stdout.flush()
    return 0
