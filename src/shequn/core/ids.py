"""Order numbers: a database sequence plus a Luhn check digit (ARCHITECTURE §6).

The number is ``yymmdd`` + a 10-digit sequence value + 1 check digit, so a typo
in a customer-service call is caught, and the sequence never repeats."""

from __future__ import annotations

from django.db import connection
from stdnum import luhn

from shequn.core import clock

ORDER_SEQUENCE = "shequn_order_no_seq"


def next_value(name: str) -> int:
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT nextval(%s)", [name])
            return int(cur.fetchone()[0])
        cur.execute(
            "INSERT INTO core_counter (name, value) VALUES (%s, 1) "
            "ON CONFLICT(name) DO UPDATE SET value = value + 1 RETURNING value",
            [name],
        )
        return int(cur.fetchone()[0])


def with_check_digit(body: str) -> str:
    return body + luhn.calc_check_digit(body)


def is_valid_number(number: str) -> bool:
    return number.isdigit() and luhn.is_valid(number)


def next_order_number() -> str:
    seq = next_value(ORDER_SEQUENCE)
    return with_check_digit(clock.now().astimezone().strftime("%y%m%d") + f"{seq:010d}")
