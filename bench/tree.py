"""Recruitment-tree benchmark (not a test): a million leaders on PostgreSQL,
then team size, team depth and direct invitees of the root and of random leaders.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/shequn \\
        .venv/bin/python bench/tree.py --leaders 1000000
    ... --json            one JSON object instead of the table
    ... --keep            keep the benchmark database afterwards

It works in its own database (``shequn_bench_tree`` on the server named by
DATABASE_URL): created, migrated, filled and dropped again. Generation is
set-based SQL: users and the tree's shape come from ``generate_series``
(``INSERT … SELECT``); paths and depths from one recursive CTE; the team
counters from one aggregate UPDATE per level (a few dozen statements, not a
statement per row). The tree is random with preferential attachment to
older leaders (an early leader recruits many, most recruit few or none) and
a few independent roots.

The timed calls are the real selectors in ``shequn.distribution.selectors``
through the ORM, each run ``--repeat`` times after one warm-up; the table
shows the median and the worst run in milliseconds.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

BENCH_DB = "shequn_bench_tree"
TARGET_MS = 50.0


def _server_urls(url: str) -> tuple[str, str]:
    """(maintenance-db URL, benchmark-db URL) on the server of ``url``."""
    parts = urlparse(url)
    if parts.scheme not in ("postgres", "postgresql"):
        raise SystemExit("bench/tree.py needs PostgreSQL: set DATABASE_URL=postgres://…")
    return (urlunparse(parts._replace(path="/postgres")),
            urlunparse(parts._replace(path=f"/{BENCH_DB}")))


def _recreate_db(admin_url: str, drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {BENCH_DB} WITH (FORCE)")
        if not drop_only:
            conn.execute(f"CREATE DATABASE {BENCH_DB}")


_B36_FN = """
CREATE OR REPLACE FUNCTION bench_b36(n bigint) RETURNS text LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE s text := ''; d text := '0123456789abcdefghijklmnopqrstuvwxyz';
BEGIN
  WHILE n > 0 LOOP s := substr(d, (n % 36)::int + 1, 1) || s; n := n / 36; END LOOP;
  RETURN lpad(s, 7, '0');
END $$;
"""

_USERS = """
INSERT INTO accounts_user (id, password, is_superuser, username, first_name, last_name, email,
                           is_staff, is_active, date_joined, phone_enc, phone_hash,
                           phone_masked, display_name)
SELECT g, '!', false, 'bench' || g, '', '', '', false, true, now(), '', '', '', ''
FROM generate_series(1, %(n)s) g
"""

# Shape: leader g (> 1) was invited by an older leader, chosen with probability
# skewed towards the oldest (power 2), or joined without an invite (0.5 %).
_SHAPE = """
CREATE UNLOGGED TABLE bench_shape AS
SELECT g AS id,
       CASE WHEN g = 1 OR random() < 0.005 THEN NULL
            ELSE 1 + floor((g - 1) * power(random(), 2))::bigint END AS parent
FROM generate_series(1, %(n)s) g;
CREATE INDEX ON bench_shape (parent);
ANALYZE bench_shape;
"""

_PROFILES = """
INSERT INTO distribution_leaderprofile (
    id, user_id, status, real_name_enc, real_name_masked, phone_enc, phone_hash, phone_masked,
    region, reason, invite_code_used, applied_at, decided_at, decision_reason,
    status_changed_at, grade, inviter_id, path, depth, team_size, team_depth)
WITH RECURSIVE tree(id, parent, path, depth) AS (
    SELECT id, parent, bench_b36(id), 0 FROM bench_shape WHERE parent IS NULL
  UNION ALL
    SELECT s.id, s.parent, t.path || bench_b36(s.id), t.depth + 1
    FROM bench_shape s JOIN tree t ON s.parent = t.id
)
SELECT id, id, 'approved', '', '团长', '', '', '', '', '', '', now(), now(), 'bench', now(),
       'trainee', parent, path, depth, 0, 0
FROM tree
"""

# One level at a time from the deepest: a leader's counters from their invitees'.
_LEVEL = """
UPDATE distribution_leaderprofile p
SET team_size = s.size, team_depth = s.deep
FROM (SELECT inviter_id, sum(team_size + 1) AS size, max(team_depth + 1) AS deep
      FROM distribution_leaderprofile WHERE depth = %(d)s GROUP BY inviter_id) s
WHERE p.id = s.inviter_id
"""


def generate(n: int, seed: float = 0.5) -> dict[str, Any]:
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(_B36_FN)
        cur.execute(_USERS, {"n": n})
        cur.execute("SELECT setseed(%s)", [seed])  # the same tree on every run
        cur.execute(_SHAPE, {"n": n})
        cur.execute("CREATE INDEX bench_depth ON distribution_leaderprofile (depth)")
        cur.execute(_PROFILES)
        cur.execute("SELECT max(depth) FROM distribution_leaderprofile")
        max_depth = cur.fetchone()[0]
        for d in range(max_depth, 0, -1):
            cur.execute(_LEVEL, {"d": d})
        cur.execute("DROP INDEX bench_depth")
        cur.execute("DROP TABLE bench_shape")
        for table in ("accounts_user", "distribution_leaderprofile"):
            cur.execute(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {n})")
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE accounts_user")
        cur.execute("VACUUM ANALYZE distribution_leaderprofile")
    return {"seconds": round(time.perf_counter() - t0, 1), "max_depth": max_depth}


def _time(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    result = fn()  # warm-up
    runs = []
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        runs.append((time.perf_counter() - t) * 1000)
    return statistics.median(runs), max(runs), result


def _checks(pk: int, leader: Any) -> list[tuple[str, Callable[[], Any]]]:
    """The timed calls for one leader, each a real selector."""
    from shequn.distribution import selectors
    from shequn.distribution.models import LeaderProfile

    def me_bundle() -> list[int]:
        p = LeaderProfile.objects.get(pk=pk)
        return [selectors.team_size(p), selectors.team_depth(p),
                len(selectors.direct_invitees(p, 20, 0))]

    return [
        ("team size", partial(selectors.team_size, leader)),
        ("team depth", partial(selectors.team_depth, leader)),
        ("direct invitees (first 20)",
         lambda: len(selectors.direct_invitees(leader, 20, 0))),
        ("direct invitee count", partial(selectors.direct_invitee_count, leader)),
        ("profile + size + depth + 20 invitees (one /me)", me_bundle),
        ("team size by path prefix (exact count, for reference)",
         lambda: selectors.team_members(leader).count()),
    ]


def measure(repeat: int, seed: int) -> list[dict[str, Any]]:
    from shequn.distribution import selectors
    from shequn.distribution.models import LeaderProfile

    rng = random.Random(seed)
    n = LeaderProfile.objects.count()
    subjects: list[tuple[str, int]] = [("root", 1), ("random leader", rng.randint(2, n))]
    # A random leader who has a team (most leaders have none).
    with_team = list(LeaderProfile.objects.filter(team_size__gte=100, depth__gte=2)
                     .order_by("?").values_list("pk", flat=True)[:1])
    if with_team:
        subjects.append(("random leader with a team", with_team[0]))
    rows = []
    for label, pk in subjects:
        leader = LeaderProfile.objects.get(pk=pk)
        checks = _checks(pk, leader)
        for name, fn in checks:
            median, worst, value = _time(fn, repeat)
            rows.append({"leader": label, "id": pk, "depth": leader.depth, "query": name,
                         "result": value,
                         "median_ms": round(median, 2), "max_ms": round(worst, 2)})
        # The counters must agree with the path (the prefix count is the truth).
        assert leader.team_size == selectors.team_members(leader).count()
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--leaders", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--seed", type=int, default=20261124)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--keep", action="store_true", help="keep the benchmark database")
    args = ap.parse_args(argv)

    admin_url, bench_url = _server_urls(os.environ.get("DATABASE_URL", ""))
    _recreate_db(admin_url)
    os.environ["DATABASE_URL"] = bench_url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shequn.settings")
    os.environ.setdefault("SHEQUN_LOG", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, connections

    try:
        call_command("migrate", verbosity=0)
        connection.ensure_connection()
        gen = generate(args.leaders)
        rows = measure(args.repeat, args.seed)
        with connection.cursor() as cur:
            cur.execute("SELECT pg_size_pretty(pg_total_relation_size("
                        "'distribution_leaderprofile'))")
            size = cur.fetchone()[0]
            cur.execute("SHOW server_version")
            version = cur.fetchone()[0]
    finally:
        connections.close_all()
        if not args.keep:
            _recreate_db(admin_url, drop_only=True)

    worst = max(r["max_ms"] for r in rows if "reference" not in r["query"])
    summary = {"leaders": args.leaders, "generate_seconds": gen["seconds"],
               "max_depth": gen["max_depth"], "table_size": size, "postgres": version,
               "repeat": args.repeat, "target_ms": TARGET_MS,
               "worst_ms": worst, "met": worst <= TARGET_MS, "rows": rows}
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return 0
    print(f"{args.leaders:,} leaders generated in {gen['seconds']} s; max depth "
          f"{gen['max_depth']}; table {size}; PostgreSQL {version}")
    print("| leader | id | depth | query | result | median ms | max ms |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['leader']} | {r['id']} | {r['depth']} | {r['query']} | {r['result']} "
              f"| {r['median_ms']} | {r['max_ms']} |")
    print(f"worst of the selectors: {worst} ms (target ≤ {TARGET_MS} ms): "
          f"{'met' if worst <= TARGET_MS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
