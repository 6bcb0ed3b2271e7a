"""Identifiers with valid check digits: resident IDs, phone numbers, GTINs.
Synthetic, never a real person's."""

from __future__ import annotations

import itertools

from stdnum import ean
from stdnum.cn import ric

_seq = itertools.count(1)


def resident_id(region: str = "110105", born: str = "19900307", seq: int | str = 123) -> str:
    """An 18-digit resident ID (GB 11643-1999): region, birth date, sequence and a
    correct check digit. ``seq`` is the 3-digit sequence (an int is zero-padded)."""
    seq = f"{seq:03d}" if isinstance(seq, int) else seq
    body = f"{region}{born}{seq}"
    # stdnum computes the check digit over 18 characters: a placeholder 18th.
    return body + ric.calc_check_digit(body + "0")


def phone(n: int | None = None) -> str:
    """A well-formed mainland mobile number, distinct for each ``n`` (or each call)."""
    return f"139{next(_seq) if n is None else n:08d}"


def make_gtin(prefix: str = "690") -> str:
    """A GTIN-13 with a correct check digit, unique within the test run."""
    body = f"{prefix}{next(_seq):09d}"[:12]
    return body + ean.calc_check_digit(body)
