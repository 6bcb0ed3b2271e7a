"""``shequn tax quote FILE|-``: print a CBEC tax quote as JSON. No Django.

Exit 0 with the quote (also when the quote is ``refused``: that is an answer, not an
error); exit 2 with ``{"code", "message", "message_en"}`` on stdout for bad input.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from shequn.core.errors import DomainError
from shequn.taxes.errors import TaxError
from shequn.taxes.io import quote_json

USAGE = "usage: shequn tax quote FILE   (FILE is a JSON quote request; - reads stdin)\n"


def _print(obj: Any) -> None:
    sys.stdout.write(json.dumps(obj, ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def _read(path: str) -> bytes:
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except OSError as exc:
        raise TaxError.UNREADABLE_FILE.error(path=path, reason=exc.strerror or "") from exc


def main(argv: list[str]) -> int:
    if argv[:1] in (["-h"], ["--help"]) or argv[:2] == ["quote", "--help"]:
        sys.stdout.write(USAGE)
        return 0
    if len(argv) != 2 or argv[0] != "quote":
        sys.stderr.write(USAGE)
        return 2
    try:
        _print(quote_json(_read(argv[1])))
    except DomainError as err:
        _print(err.as_dict())
        return 2
    return 0
