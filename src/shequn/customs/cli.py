"""``shequn customs …`` — operator tools for CEB messages.

    shequn customs validate FILE…

Checks each file (a bare CEB message, or a ``DxpMsg`` envelope, which is unwrapped)
against the official XSD and every business rule the message alone allows
(``ceb.rules.message_problems``: codes, ID checksum, price × qty, acturalPaid, …),
and verifies an RSA/ECDSA signature against the certificate the message carries.
Prints one line per problem, ``FILE: PATH: [RULE] message``. Exit status: 0 clean,
1 problems found, 2 a file is unreadable, not well-formed XML or not a CEB message.
No database or Django settings needed.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from shequn.customs.ceb.codec import CebFormatError
from shequn.customs.ceb.dxp import unwrap
from shequn.customs.ceb.messages import LAYOUTS, parse_message
from shequn.customs.ceb.rules import SIGNED_TYPES, message_problems
from shequn.customs.ceb.schema import (
    DS_NS,
    NotCebMessage,
    Problem,
    message_type,
    parse,
    schema_problems,
)
from shequn.customs.ceb.signing import verify_embedded

CLEAN, PROBLEMS, UNUSABLE = 0, 1, 2


def check_bytes(data: bytes) -> list[Problem]:
    """All problems of one message file's content. Raises ``NotCebMessage`` when it
    is not well-formed XML, too large, or not a (supported) CEB message."""
    root = parse(data)
    out: list[Problem] = []
    if message_type(root) == "DxpMsg":
        out += schema_problems(root)
        if out:
            return out
        root = parse(unwrap(root).data)
    mtype = message_type(root)
    if mtype == "DxpMsg" or mtype not in LAYOUTS:
        raise NotCebMessage(f"{mtype} is not a CEB import message this tool knows")
    xsd = schema_problems(root)
    out += xsd
    try:
        msg = parse_message(root)
    except CebFormatError as exc:
        if not xsd:
            out.append(Problem(exc.path, "format", str(exc)))
        return out
    out += message_problems(msg)
    if msg.signed and mtype in SIGNED_TYPES:
        out += _signature_problems(root, mtype)
    return out


def _signature_problems(root, mtype: str) -> list[Problem]:  # type: ignore[no-untyped-def]
    method = root.find(f"{{{DS_NS}}}Signature/{{{DS_NS}}}SignedInfo/{{{DS_NS}}}SignatureMethod")
    algorithm = (method.get("Algorithm") if method is not None else "") or ""
    if "sm2" in algorithm.lower():
        return []  # SM2/SM3 verification needs the national-crypto service; not here
    if not verify_embedded(root):
        return [Problem(f"/{mtype}/Signature", "SIGNATURE",
                        "signature does not verify against the certificate it carries "
                        "(message altered after signing, or signature malformed)")]
    return []


def validate(paths: list[str], out: TextIO, err: TextIO) -> int:
    status = CLEAN
    count = 0
    for name in paths:
        try:
            data = sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()
        except OSError as exc:
            print(f"{name}: cannot read: {exc.strerror or exc}", file=err)
            status = UNUSABLE
            continue
        try:
            problems = check_bytes(data)
        except NotCebMessage as exc:
            print(f"{name}: {exc}", file=err)
            status = UNUSABLE
            continue
        for problem in problems:
            print(f"{name}: {problem}", file=out)
        count += len(problems)
        if problems and status == CLEAN:
            status = PROBLEMS
    print(f"{len(paths)} file(s), {count} problem(s)", file=err)
    return status


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="shequn customs",
                                     description="CEB customs message tools")
    sub = parser.add_subparsers(dest="command", required=True)
    val = sub.add_parser("validate", help="check CEB message files (XSD + business rules)")
    val.add_argument("files", nargs="+", metavar="FILE", help="CEB XML or DxpMsg file; - = stdin")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors; keep that code
        return int(exc.code or 0)
    return validate(args.files, sys.stdout, sys.stderr)
