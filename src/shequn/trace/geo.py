"""City of an IP address, for the anti-diversion check a buyer consents to.

A port over an offline table (nothing is looked up on the internet): a CSV file
of ``start_ip,end_ip,province,city`` ranges named by SHEQUN_GEOIP_CSV (for
example exported from a licensed IP database). Without one, no city is known and
the far-scan signal stays quiet. Only the city is returned; the address itself
is never stored (PIPL Art. 28: whereabouts are sensitive personal information)."""

from __future__ import annotations

import bisect
import csv
import ipaddress
from functools import lru_cache
from pathlib import Path

from django.conf import settings


@lru_cache(maxsize=4)
def _table(path: str) -> tuple[list[int], list[tuple[int, str]]]:
    rows: list[tuple[int, int, str]] = []
    with Path(path).open(encoding="utf-8") as fh:
        for line in csv.reader(fh):
            if len(line) < 4 or line[0].startswith("#"):
                continue
            start = int(ipaddress.ip_address(line[0].strip()))
            end = int(ipaddress.ip_address(line[1].strip()))
            rows.append((start, end, line[3].strip() or line[2].strip()))
    rows.sort()
    return [r[0] for r in rows], [(r[1], r[2]) for r in rows]


def city_of(ip: str | None) -> str:
    path = settings.SHEQUN.get("GEOIP_CSV", "")
    if not ip or not path:
        return ""
    try:
        value = int(ipaddress.ip_address(ip))
    except ValueError:
        return ""
    starts, rest = _table(path)
    i = bisect.bisect_right(starts, value) - 1
    if i < 0 or value > rest[i][0]:
        return ""
    return rest[i][1][:40]
