"""In-process profile of one purchase (not a test): where the web worker's CPU goes.

Runs the eight requests of ``tests/deploy/topology.purchase`` through Django's
full middleware stack (``django.test.Client`` with the same headers the
topology's TLS proxy sends: REMOTE_ADDR 127.0.0.1 = trusted proxy,
``X-Forwarded-Proto: https``, one ``X-Forwarded-For`` per buyer, double-submit
CSRF with Origin/Referer), with ``SHEQUN_ENV=staging`` settings on PostgreSQL
and Redis, and reports per step: CPU ms (time.process_time), wall ms, SQL
statements, transactions (COMMIT/ROLLBACK of atomic blocks), statements run
in autocommit, savepoints, Redis commands; then cProfile (CPU clock) of the
same steps, and optionally function timers, floors and A/B-priced what-ifs.

    # once: a fresh database, migrated and seeded (staging env in /tmp/shequn_prof)
    .venv/bin/python bench/profile_purchase.py --setup --db shequn_prof -n 5 --profile 0
    # measure + profile + timers + floors, statements of the heaviest steps
    .venv/bin/python bench/profile_purchase.py --db shequn_prof -n 60 --profile 20 \
        --timers --micro --sql-steps notify,place,cart_add,otp_verify
    # price a what-if, A/B interleaved in one process (a busy machine slows both)
    .venv/bin/python bench/profile_purchase.py -n 40 --ab session-cache
    # gunicorn's own share per request (GET /healthz, 1 sync worker)
    .venv/bin/python bench/profile_purchase.py --gunicorn-floor

Differences from gunicorn, stated: no HTTP parsing or gunicorn access log
(priced by --gunicorn-floor and --micro), the test client builds requests and
parses cookies in this process (a few tenths of a ms), and the relay/worker
does not run (outbox rows just accumulate). ``close_old_connections`` is called
around each request like the request_started/finished signals under gunicorn,
so the per-request connection health check (``SELECT 1``, not seen by
execute_wrapper) happens as in staging.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import io
import json
import os
import pstats
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(1, str(ROOT / "src"))

STEPS = ("otp_request", "otp_verify", "identity", "address", "cart_add", "quote", "place",
         "notify")
SKU_CODES = ("KD-IF3-900", "SB-SERUM-30", "SB-LOTION-200", "SB-MASK-5", "KH-MANUKA-500",
             "SR-FISHOIL-200")
WORK = Path(tempfile.gettempdir()) / "shequn_prof"


# --------------------------------------------------------------------------- environment

def staging_env(db: str, redis_db: int) -> dict[str, str]:
    """A staging env from ``shequn secrets generate`` (kept in /tmp/shequn_prof)."""
    WORK.mkdir(exist_ok=True)
    env_file = WORK / "staging.env"
    if not env_file.exists():
        out = subprocess.run([str(ROOT / ".venv/bin/shequn"), "secrets", "generate", "--env",
                              "staging", "--key-dir", str(WORK / "keys")],
                             env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/")},
                             capture_output=True, text=True, check=True)
        env_file.write_text(out.stdout)
    env: dict[str, str] = {}
    for line in env_file.read_text().splitlines():
        if line.strip() and not line.startswith("#") and "=" in line:
            k, _, v = line.partition("=")
            env[k.strip()] = v.strip()
    env.update({
        "DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{db}",
        "REDIS_URL": f"redis://127.0.0.1:6379/{redis_db}",
        "SHEQUN_CACHE_PREFIX": f"prof{db}",
        "SHEQUN_VAR_DIR": str(WORK / "var"),
        "SHEQUN_LOG": os.environ.get("SHEQUN_LOG", "WARNING"),  # as bench/http_purchase.py
    })
    return env


def setup_db(env: dict[str, str], db: str) -> None:
    import psycopg

    with psycopg.connect("postgres://postgres@127.0.0.1:5432/postgres", autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{db}"')
        c.execute(f'CREATE DATABASE "{db}"')
    full = {**os.environ, **env}
    # Staging refuses the published demo staff passwords (seed_demo --staff-password).
    for args in (["migrate", "--noinput", "-v0"],
                 ["seed_demo", "--staff-password", "profile-staff-password-1"]):
        subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=full, check=True,
                       stdout=subprocess.DEVNULL)


# --------------------------------------------------------------------------- counters

class Counters:
    """SQL statements, transactions, savepoints and Redis commands of the current step."""

    def __init__(self) -> None:
        self.sql = 0
        self.txn = 0          # outermost atomic blocks committed/rolled back
        self.autocommit = 0   # statements outside any atomic block (each its own txn)
        self.savepoints = 0
        self.redis = 0
        self.statements: list[str] = []
        self.keep = False

    def reset(self, keep: bool = False) -> None:
        self.__init__()  # type: ignore[misc]
        self.keep = keep


C = Counters()


def install_counters() -> None:
    from django.db import connection
    from django.db.backends.base import base as dbbase
    from redis.client import Redis

    def wrapper(execute, sql, params, many, context):  # type: ignore[no-untyped-def]
        C.sql += 1
        text = sql.strip()
        if text.startswith("SAVEPOINT"):
            C.savepoints += 1
        elif not connection.in_atomic_block:
            C.autocommit += 1
        if C.keep:
            C.statements.append(text[:220].replace("\n", " "))
        return execute(sql, params, many, context)

    # Every new connection gets the wrapper (CONN_MAX_AGE may reconnect).
    orig_cursor = dbbase.BaseDatabaseWrapper.cursor

    def cursor(self):  # type: ignore[no-untyped-def]
        if wrapper not in self.execute_wrappers:
            self.execute_wrappers.append(wrapper)
        return orig_cursor(self)

    dbbase.BaseDatabaseWrapper.cursor = cursor  # type: ignore[method-assign]

    orig_commit, orig_rollback = dbbase.BaseDatabaseWrapper._commit, \
        dbbase.BaseDatabaseWrapper._rollback

    def _commit(self):  # type: ignore[no-untyped-def]
        C.txn += 1
        return orig_commit(self)

    def _rollback(self):  # type: ignore[no-untyped-def]
        C.txn += 1
        return orig_rollback(self)

    dbbase.BaseDatabaseWrapper._commit = _commit  # type: ignore[method-assign]
    dbbase.BaseDatabaseWrapper._rollback = _rollback  # type: ignore[method-assign]

    orig_exec = Redis.execute_command

    def execute_command(self, *args, **kw):  # type: ignore[no-untyped-def]
        C.redis += 1
        if C.keep:
            C.statements.append("REDIS " + " ".join(str(a)[:60] for a in args[:2]))
        return orig_exec(self, *args, **kw)

    Redis.execute_command = execute_command  # type: ignore[method-assign]


# --------------------------------------------------------------------------- purchase

def resident_id(n: int) -> str:
    body = f"110105{19700101 + (n % 28)}{n % 1000:03d}"
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


_HANDLER = None


class Buyer:
    """One purchase through django.test.Client, timed per step."""

    def __init__(self, n: int, sku_id: int, secret: str, handler: Any = None) -> None:
        from django.test import Client
        from django.utils.crypto import get_random_string

        self.n, self.sku_id, self.secret = n, sku_id, secret
        self.phone = f"13{(n * 7919 + 10_000_019) % 10**9:09d}"
        self.id_number = resident_id(n)
        self.name = "王五"
        self.csrf = get_random_string(32)  # Django's alphabet
        self.client = Client(enforce_csrf_checks=True, REMOTE_ADDR="127.0.0.1",
                             HTTP_HOST="127.0.0.1:8000", HTTP_X_FORWARDED_PROTO="https",
                             HTTP_X_FORWARDED_FOR=f"10.{n >> 16 & 255}.{n >> 8 & 255}.{n & 255}",
                             HTTP_ACCEPT="application/json, text/html")
        self.client.cookies["csrftoken"] = self.csrf
        # One handler (middleware chain loaded once) for every buyer, as in a worker.
        global _HANDLER
        if _HANDLER is None:
            _HANDLER = self.client.handler
        self.client.handler = handler or _HANDLER

    def post(self, path: str, body: Any = None, raw: bytes | None = None,
             headers: dict[str, str] | None = None) -> Any:
        data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
        # Like the topology's Browser: the header follows the cookie (login rotates it).
        extra = {"HTTP_X_CSRFTOKEN": self.client.cookies["csrftoken"].value, "HTTP_ORIGIN": "https://127.0.0.1:8000",
                 "HTTP_REFERER": "https://127.0.0.1:8000/"}
        for k, v in (headers or {}).items():
            extra["HTTP_" + k.upper().replace("-", "_")] = v
        return self.client.post(path, data=data, content_type="application/json",
                                secure=True, **extra)


def run_purchase(b: Buyer, step_hook) -> None:  # type: ignore[no-untyped-def]
    from shequn.accounts.sms import SimulatedSms
    from shequn.orders.models import Order
    from shequn.payments.models import Payment
    from tests.deploy.topology import signed_notification

    def step(name: str, path: str, expect: int, body: Any = None, **kw: Any) -> Any:
        r = step_hook(name, lambda: b.post(path, body, **kw))
        if r.status_code != expect:
            raise RuntimeError(f"{name}: {r.status_code} {r.content[:400]!r}")
        return r.json() if r.content else None

    step("otp_request", "/api/v1/auth/otp/request", 202, {"phone": b.phone})
    code = SimulatedSms.last_code(b.phone)
    step("otp_verify", "/api/v1/auth/otp/verify", 200, {"phone": b.phone, "code": code})
    ident = step("identity", "/api/v1/me/identities", 201,
                 {"name": b.name, "id_number": b.id_number, "phone": b.phone})
    addr = step("address", "/api/v1/me/addresses", 201, {
        "consignee": b.name, "phone": b.phone, "province": "上海市", "city": "上海市",
        "district": "浦东新区", "district_code": "310115", "detail": "世纪大道 1 号"})
    cart = step("cart_add", "/api/v1/cart/items", 200, {"sku_id": b.sku_id, "qty": 1})
    quote = step("quote", "/api/v1/checkout/quote", 200, {"identity_id": ident["id"]})
    if quote.get("refused_code"):
        raise RuntimeError(f"quote refused: {quote['refused_code']}")
    placed = step("place", "/api/v1/checkout/place", 201, {
        "identity_id": ident["id"], "address_id": addr["id"], "cart_version": cart["version"]})
    pays = list(Payment.objects.filter(order__checkout_id=placed["checkout_id"], state="created")
                .order_by("order__number").values_list("out_trade_no", "amount"))
    assert pays and Order.objects.filter(checkout_id=placed["checkout_id"]).exists()
    for no, amount in pays:
        body, headers = signed_notification(b.secret, no, f"{amount:.2f}", b.name, b.id_number)
        step("notify", "/api/v1/payments/notify", 204, raw=body, headers=headers)


def top_up_stock(units: int) -> list[int]:
    import datetime as dt

    from django.db.models import F, Sum

    from shequn.catalog.models import SKU
    from shequn.inventory import services

    ids = []
    for code in SKU_CODES:
        sku = SKU.objects.get(code=code)
        ids.append(sku.pk)
        avail = sku.stocks.aggregate(a=Sum(F("on_hand") - F("reserved")))["a"] or 0
        if avail < units:
            wh = sku.stocks.select_related("warehouse").first().warehouse
            services.receive(warehouse=wh, sku=sku, lot=code + "-PROF",
                             expiry=dt.date(2029, 12, 31), qty=units - avail + 10,
                             note="profile top-up")
    return ids


# --------------------------------------------------------------------------- what-ifs

def apply_variants(names: list[str]) -> list[str]:
    """Settings or behaviour changed in this process only, to price a fix."""
    from django.conf import settings
    from django.db import connections

    done = []
    for v in names:
        if v == "session-cache":
            settings.SESSION_ENGINE = "django.contrib.sessions.backends.cache"
        elif v == "session-cached-db":
            settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
        elif v in ("no-csp", "no-metrics", "no-whitenoise"):
            mw = {"no-csp": "csp.middleware.CSPMiddleware",
                  "no-metrics": "shequn.web.runtime.middleware.MetricsMiddleware",
                  "no-whitenoise": "whitenoise.middleware.WhiteNoiseMiddleware"}[v]
            settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != mw]
        elif v == "server-side-binding":
            # psycopg 3 server-side parameters (+ its automatic prepared statements).
            connections["default"].close()
            connections["default"].settings_dict["OPTIONS"]["server_side_binding"] = True
        elif v == "no-health-check":
            connections["default"].settings_dict["CONN_HEALTH_CHECKS"] = False
        elif v == "skip-same-session-set":
            # What cart_for_session would do with `if session.get(KEY) != value:`.
            from django.contrib.sessions.backends.base import SessionBase

            orig = SessionBase.__setitem__

            def setitem(self, key, value, _orig=orig):  # type: ignore[no-untyped-def]
                if key == "cart_id" and self._session.get(key) == value:
                    return
                _orig(self, key, value)

            SessionBase.__setitem__ = setitem  # type: ignore[method-assign]
        elif v == "no-last-login":
            from django.contrib.auth import user_logged_in
            from django.contrib.auth.models import update_last_login

            user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        else:
            raise SystemExit(f"unknown variant {v}")
        done.append(v)
    return done


TIMED = (  # module, attribute: inclusive CPU per purchase, unprofiled (--timers)
    ("django.contrib.auth", "get_user"),                       # session + user load
    ("django.contrib.sessions.backends.db", "SessionStore.load"),
    ("django.contrib.sessions.backends.db", "SessionStore.save"),
    ("django.contrib.sessions.backends.db", "SessionStore.create"),
    ("django.contrib.auth", "login"),
    ("shequn.accounts.services", "request_code"),
    ("shequn.accounts.services", "_check_rate_limits"),
    ("shequn.accounts.sms", "SimulatedSms.send"),
    ("shequn.accounts.services", "verify_code"),
    ("shequn.accounts.services", "_get_or_create_user"),
    ("shequn.accounts.services", "sign_in"),
    ("shequn.distribution.hooks", "after_sign_in"),
    ("shequn.checkout.identities", "add_identity"),
    ("shequn.checkout.identities", "add_address"),
    ("shequn.checkout.cart", "cart_for_session"),
    ("shequn.checkout.cart", "add_item"),
    ("shequn.checkout.cart", "summary"),
    ("shequn.checkout.cart", "_bump"),
    ("shequn.checkout.services", "quote_checkout"),
    ("shequn.checkout.identities", "get_identity"),
    ("shequn.checkout.services", "place_order"),
    ("shequn.payments.services", "start_payment"),
    ("shequn.payments.services", "handle_notification"),
    ("shequn.payments.services", "_record"),
    ("shequn.orders.services", "mark_paid"),
    ("shequn.orders.services", "_lock"),
    ("shequn.orders.services", "_transition"),
    ("shequn.inventory.services", "commit"),
    ("shequn.quota.services", "consume"),
    ("shequn.core.outbox", "emit"),
    ("shequn.core.ratelimit", "hit"),
    ("csp.middleware", "CSPMiddleware.process_response"),
    ("shequn.web.runtime.middleware", "MetricsMiddleware.__call__"),
    ("ninja.operation", "Operation._result_to_response"),
)
TIMES: dict[str, list[float]] = collections.defaultdict(lambda: [0.0, 0])


def install_timers() -> None:
    import functools
    import importlib

    for mod_name, attr in TIMED:
        mod = importlib.import_module(mod_name)
        owner: Any = mod
        parts = attr.split(".")
        for part in parts[:-1]:
            owner = getattr(owner, part)
        orig = getattr(owner, parts[-1])
        label = f"{mod_name.rsplit('.', 1)[-1]}.{attr}"

        def make(orig: Any, label: str) -> Any:
            @functools.wraps(orig)
            def timed(*a: Any, **kw: Any) -> Any:
                t = time.process_time()
                try:
                    return orig(*a, **kw)
                finally:
                    rec = TIMES[label]
                    rec[0] += time.process_time() - t
                    rec[1] += 1
            return timed

        setattr(owner, parts[-1], make(orig, label))


def gunicorn_floor(env: dict[str, str], n: int = 1500) -> None:
    """gunicorn's own share: one sync worker answering GET /healthz (no DB) over a new
    connection each time, as the topology's Browser does; worker CPU per request."""
    import http.client
    import socket

    with socket.socket() as sk:
        sk.bind(("127.0.0.1", 0))
        port = sk.getsockname()[1]
    full = {**os.environ, **env, "SHEQUN_BIND": f"127.0.0.1:{port}", "SHEQUN_WEB_WORKERS": "1",
            "SHEQUN_WEB_MAX_REQUESTS": "0", "PROMETHEUS_MULTIPROC_DIR":
            tempfile.mkdtemp(prefix="prof-prom-")}
    log = open(WORK / "gunicorn.log", "wb")
    proc = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-c", "python:shequn.gunicorn_conf",
                             "shequn.wsgi"], env=full, cwd=ROOT, stdout=log, stderr=log,
                            start_new_session=True)
    try:
        def get() -> int:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            c.request("GET", "/healthz", headers={"Host": f"127.0.0.1:{port}"})
            st = c.getresponse().status
            c.close()
            return st

        for _ in range(100):
            try:
                if get() == 200:
                    break
            except OSError:
                time.sleep(0.1)
        kids = [int(x) for x in Path(f"/proc/{proc.pid}/task/{proc.pid}/children")
                .read_text().split()]

        def cpu() -> float:
            total = 0
            for pid in kids:
                f = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
                total += int(f[11]) + int(f[12])
            return total / os.sysconf("SC_CLK_TCK")

        for _ in range(100):
            get()
        c0 = cpu()
        for _ in range(n):
            get()
        print(f"\n=== gunicorn floor: GET /healthz, 1 sync worker, new connection each: "
              f"{(cpu() - c0) * 1000 / n:.2f} ms worker CPU per request ({n} requests) ===")
    finally:
        proc.terminate()
        proc.wait(10)


class Toggle:
    """A what-if that can be switched per purchase (A/B interleaved in one process,
    so a busy machine slows both sides alike)."""

    def __init__(self, names: list[str]) -> None:
        from django.conf import settings
        from django.test.client import ClientHandler

        self.names = names
        self.active = False
        saved = (settings.SESSION_ENGINE, list(settings.MIDDLEWARE))
        apply_variants([n for n in names if n not in ("no-health-check", "skip-same-session-set",
                                                      "no-last-login")])
        if "server-side-binding" in names:
            raise SystemExit("server-side-binding needs its own run (--variant)")
        self.handler = ClientHandler(enforce_csrf_checks=True)
        self.handler.load_middleware()   # binds this side's session engine and middleware
        settings.SESSION_ENGINE, settings.MIDDLEWARE = saved
        if "skip-same-session-set" in names:
            from django.contrib.sessions.backends.base import SessionBase

            orig = SessionBase.__setitem__
            me = self

            def setitem(self, key, value):  # type: ignore[no-untyped-def]
                if me.active and key == "cart_id" and self._session.get(key) == value:
                    return
                orig(self, key, value)

            SessionBase.__setitem__ = setitem  # type: ignore[method-assign]

    def on(self) -> None:
        self._switch(True)

    def off(self) -> None:
        self._switch(False)

    def _switch(self, active: bool) -> None:
        """Apply (``active``) or undo the what-ifs that change Django itself."""
        from django.contrib.auth import user_logged_in
        from django.contrib.auth.models import update_last_login
        from django.db import connections

        self.active = active
        if "no-health-check" in self.names:
            connections["default"].settings_dict["CONN_HEALTH_CHECKS"] = not active
            connections["default"].health_check_enabled = not active
        if "no-last-login" in self.names:
            change = user_logged_in.disconnect if active else user_logged_in.connect
            change(update_last_login, dispatch_uid="update_last_login")


def ab_run(names: list[str], n: int, rounds_start: int, sku_ids: list[int], secret: str) -> None:
    """Purchases alternating A (as configured) and B (with the what-ifs)."""
    from django.db import close_old_connections

    toggle = Toggle(names)
    stats = {"A": collections.defaultdict(float), "B": collections.defaultdict(float)}
    lists: dict[str, dict[str, list[float]]] = {"A": collections.defaultdict(list),
                                                "B": collections.defaultdict(list)}
    counts = {"A": 0, "B": 0}
    side = {"now": "A"}

    def hook(name: str, fn):  # type: ignore[no-untyped-def]
        close_old_connections()
        C.reset()
        c0 = time.process_time()
        r = fn()
        close_old_connections()
        d = stats[side["now"]]
        ms = (time.process_time() - c0) * 1000
        d[name] += ms
        lists[side["now"]][name].append(ms)
        d["sql"] += C.sql
        d["txn"] += C.txn
        d["redis"] += C.redis
        return r

    k = rounds_start
    for i in range(2 * n + 4):
        k += 1
        s = "A" if i % 2 == 0 else "B"
        side["now"] = s
        (toggle.on if s == "B" else toggle.off)()
        b = Buyer(k, sku_ids[k % len(sku_ids)], secret,
                  handler=toggle.handler if s == "B" else None)
        if i < 4:  # warm both sides, not recorded
            run_purchase(b, lambda name, fn: fn())
            continue
        run_purchase(b, hook)
        counts[s] += 1
    toggle.off()
    print(f"\nA/B interleaved, {n} purchases each; B = {', '.join(names)}")
    def med(v: list[float]) -> float:
        v = sorted(v)
        return v[len(v) // 2] if v else 0.0

    print(f"{'per purchase':<16}{'A mean':>8}{'B mean':>8}{'B-A':>8}{'A p50':>8}{'B p50':>8}"
          f"{'B-A':>8}")
    for key in (*STEPS, "TOTAL cpu ms", "sql", "txn", "redis"):
        if key == "TOTAL cpu ms":
            a = sum(stats["A"][x] for x in STEPS) / counts["A"]
            b = sum(stats["B"][x] for x in STEPS) / counts["B"]
            am = sum(med(lists["A"][x]) for x in STEPS)
            bm = sum(med(lists["B"][x]) for x in STEPS)
        elif key in STEPS:
            a, b = stats["A"][key] / counts["A"], stats["B"][key] / counts["B"]
            am, bm = med(lists["A"][key]), med(lists["B"][key])
        else:
            a, b = stats["A"][key] / counts["A"], stats["B"][key] / counts["B"]
            am, bm = a, b
        print(f"{key:<16}{a:>8.2f}{b:>8.2f}{b - a:>+8.2f}{am:>8.2f}{bm:>8.2f}{bm - am:>+8.2f}")


def micro(sku_ids: list[int], secret: str) -> None:
    """Floors: a request through the whole stack that touches nothing; a signed-in
    request (session + user load); one ORM statement; one raw statement; one
    JSON access-log line as gunicorn writes it (not part of the in-process CPU)."""
    import logging

    from django.db import close_old_connections, connection
    from django.test import Client

    from shequn.accounts.models import User
    from shequn.core.logjson import JsonFormatter
    from shequn.core.requestid import PiiMaskFilter

    def cpu_ms(fn, n: int = 300) -> float:  # type: ignore[no-untyped-def]
        fn()
        t = time.process_time()
        for _ in range(n):
            fn()
        return (time.process_time() - t) * 1000 / n

    kw = {"REMOTE_ADDR": "127.0.0.1", "HTTP_HOST": "127.0.0.1:8000",
          "HTTP_X_FORWARDED_PROTO": "https", "HTTP_X_FORWARDED_FOR": "10.9.9.9"}
    anon = Client(**kw)
    if _HANDLER is not None:
        anon.handler = _HANDLER

    def req(c, path):  # type: ignore[no-untyped-def]
        close_old_connections()
        c.get(path, secure=True)
        close_old_connections()

    b = Buyer(987_654_321, sku_ids[0], secret)
    signed = b.client
    signed.post("/api/v1/auth/otp/request", data={"phone": b.phone},
                content_type="application/json", secure=True,
                HTTP_X_CSRFTOKEN=signed.cookies["csrftoken"].value,
                HTTP_ORIGIN="https://127.0.0.1:8000", HTTP_REFERER="https://127.0.0.1:8000/")
    from shequn.accounts.sms import SimulatedSms
    b.post("/api/v1/auth/otp/verify", {"phone": b.phone, "code": SimulatedSms.last_code(b.phone)})
    pk = User.objects.values_list("pk", flat=True).first()
    rec = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(h)s %(r)s",
                            None, None)
    atoms = {"h": "127.0.0.1", "{x-forwarded-for}i": "10.1.2.3", "m": "POST",
             "U": "/api/v1/checkout/place", "s": "201", "B": "312", "M": "18",
             "{x-request-id}o": "0123456789abcdef0123456789abcdef", "a": "bench"}
    fmt, filt = JsonFormatter(), PiiMaskFilter()

    def access_line():  # type: ignore[no-untyped-def]
        r = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1,
                              '%(h)s "%({x-forwarded-for}i)s" %(m)s %(U)s %(s)s', None, None)
        r.args = dict(atoms)
        filt.filter(r)
        fmt.format(r)

    del rec
    rows = [
        ("GET /healthz (whole middleware stack, no DB)", cpu_ms(lambda: req(anon, "/healthz"))),
        ("GET /api/v1/nope (404 under /api, anonymous)",
         cpu_ms(lambda: req(anon, "/api/v1/nope"))),
        ("GET /api/v1/auth/me signed in (session+user SELECTs)",
         cpu_ms(lambda: req(signed, "/api/v1/auth/me"))),
        ("ORM User.objects.filter(pk=..).first()",
         cpu_ms(lambda: User.objects.filter(pk=pk).first(), 1000)),
        ("raw cursor SELECT 1", cpu_ms(lambda: connection.cursor().execute("SELECT 1"), 1000)),
        ("gunicorn JSON access line (PiiMaskFilter+JsonFormatter)", cpu_ms(access_line, 3000)),
    ]
    print("\n=== floors (CPU ms each, this process) ===")
    for label, v in rows:
        print(f"  {v:7.3f}  {label}")


# --------------------------------------------------------------------------- analysis

CATEGORIES = (  # first match wins: (label, path fragment)
    ("shequn (own code, self time)", "/src/shequn/"),
    ("django ORM (query build/compile, model init)", "/django/db/models/"),
    ("django db backend (cursor, wrappers, txn)", "/django/db/"),
    ("psycopg (send, wait, adapt)", "/psycopg"),
    ("redis-py", "/redis/"),
    ("django sessions/auth/signing/crypto", ("/django/contrib/sessions/", "/django/contrib/auth/",
                                             "/django/core/signing", "/django/utils/crypto")),
    ("django-ninja + pydantic", ("/ninja/", "/pydantic")),
    ("django-csp", "/csp/"),
    ("prometheus_client", "/prometheus_client/"),
    ("whitenoise", "/whitenoise/"),
    ("django middleware/handlers/http/urls", ("/django/middleware/", "/django/core/handlers/",
                                              "/django/http/", "/django/urls/",
                                              "/django/dispatch/")),
    ("django test client (bench only)", "/django/test/"),
    ("django other", "/django/"),
    ("stdlib json", "/json/"),
    ("stdlib logging", "/logging/"),
    ("cryptography", "/cryptography/"),
)


def categorize(filename: str) -> str:
    for label, frag in CATEGORIES:
        frags = frag if isinstance(frag, tuple) else (frag,)
        if any(f in filename for f in frags):
            return label
    return "builtins/C" if filename == "~" else "other python"


def report_profiles(profiles: dict[str, cProfile.Profile], n: int, top: int) -> None:
    """Self time by category per step, own-code functions by inclusive time, and
    the merged profile's hottest functions (CPU ms per purchase, cProfile-inflated)."""
    merged = None
    cats_by_step: dict[str, collections.Counter] = {}
    for name in STEPS:
        prof = profiles.get(name)
        if not prof:
            continue
        st = pstats.Stats(prof)
        merged = st if merged is None else merged.add(prof)
        cats: collections.Counter = collections.Counter()
        total = 0.0
        for (fn, _line, _func), (_cc, _nc, tt, _ct, _callers) in st.stats.items():  # type: ignore[attr-defined]
            cats[categorize(fn)] += tt
            total += tt
        cats["TOTAL"] = total
        cats_by_step[name] = cats
    labels = [lab for lab, _ in CATEGORIES] + ["builtins/C", "other python", "TOTAL"]
    print(f"\n=== self CPU by category, ms per request under cProfile ({n} purchases) ===")
    short = [s[:7] for s in STEPS]
    print(f"{'category':<46}" + "".join(f"{s:>8}" for s in short))
    for lab in labels:
        vals = [cats_by_step.get(s, {}).get(lab, 0.0) * 1000 / n for s in STEPS]
        if sum(vals) >= 0.05:
            print(f"{lab[:45]:<46}" + "".join(f"{v:>8.2f}" for v in vals))
    for name in STEPS:
        prof = profiles.get(name)
        if not prof:
            continue
        st = pstats.Stats(prof)
        own = [(ct, fn, line, func, nc) for (fn, line, func), (_cc, nc, _tt, ct, _c)
               in st.stats.items() if "/src/shequn/" in fn]  # type: ignore[attr-defined]
        own.sort(reverse=True)
        print(f"\n--- {name}: shequn functions by inclusive CPU (ms/request, cProfile-inflated)")
        for ct, fn, line, func, nc in own[:top]:
            rel = fn.split("/src/", 1)[1]
            print(f"  {ct * 1000 / n:7.2f}  x{nc / n:<5.1f} {rel}:{line} {func}")
    if merged is not None:
        for key in ("tottime", "cumulative"):
            out = io.StringIO()
            merged.stream = out  # type: ignore[attr-defined]
            merged.sort_stats(key).print_stats(top)
            text = out.getvalue()
            body = text[text.find("   ncalls"):]
            print(f"\n=== all steps merged, by {key} (CPU s over {n} purchases) ===")
            for line in body.splitlines():
                if line.strip():
                    print(line.replace(str(ROOT / ".venv/lib/python3.11/site-packages") + "/", "")
                          .replace(str(ROOT) + "/", "")[:180])


# --------------------------------------------------------------------------- main

def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--db", default="shequn_prof")
    p.add_argument("--redis-db", type=int, default=3)
    p.add_argument("--setup", action="store_true", help="drop/create, migrate, seed the db")
    p.add_argument("-n", type=int, default=60, help="purchases measured (CPU, SQL)")
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--profile", type=int, default=20, help="purchases under cProfile (0: off)")
    p.add_argument("--top", type=int, default=18)
    p.add_argument("--sql-steps", default="place,notify,cart_add,otp_verify",
                   help="steps whose statements are listed (one purchase)")
    p.add_argument("--start", type=int, default=0, help="first buyer number (0: by time)")
    p.add_argument("--variant", default="",
                   help="comma list of what-ifs (no src edit): session-cache, session-cached-db, "
                        "no-csp, no-metrics, no-health-check, server-side-binding, "
                        "no-whitenoise, skip-same-session-set, no-last-login")
    p.add_argument("--ab", default="", help="what-ifs (as --variant) priced A/B interleaved; "
                   "runs instead of the measure/profile passes")
    p.add_argument("--gunicorn-floor", action="store_true",
                   help="only: worker CPU of GET /healthz under gunicorn (vs in-process)")
    p.add_argument("--timers", action="store_true",
                   help="inclusive CPU of chosen functions (wrappers, no cProfile) in the "
                        "measured pass")
    p.add_argument("--micro", action="store_true",
                   help="per-request floor, per-statement cost, access-log line cost")
    p.add_argument("--callers", default="", help="regex: print callers of matching functions")
    p.add_argument("--raw-pstats", action="store_true", help="full pstats per step too")
    p.add_argument("--json", action="store_true")
    args = p.parse_args()

    env = staging_env(args.db, args.redis_db)
    if args.setup:
        setup_db(env, args.db)
        print(f"database {args.db} created, migrated and seeded", file=sys.stderr)
    if args.gunicorn_floor:
        gunicorn_floor(env)
        return 0
    for k in [k for k in os.environ if k.startswith("SHEQUN_")]:
        del os.environ[k]
    os.environ.update(env)
    # As under gunicorn (shequn.gunicorn_conf): multiprocess metrics files.
    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="prof-prom-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "shequn.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.core.cache import cache
    from django.db import close_old_connections

    assert settings.SHEQUN_ENV == "staging" and not settings.DEBUG
    variants = apply_variants([v for v in args.variant.split(",") if v])
    cache.clear()  # this prefix's rate-limit windows
    sku_ids = top_up_stock(args.n + args.warmup + args.profile + 20)
    install_counters()
    secret = settings.SHEQUN["PAYMENT_SIM_SECRET"]
    start = args.start or int(time.time()) % 100_000 * 10

    cpu: dict[str, list[float]] = collections.defaultdict(list)
    wall: dict[str, list[float]] = collections.defaultdict(list)
    counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    listed: dict[str, list[str]] = {}
    profiles: dict[str, cProfile.Profile] = {}
    mode = {"record": False, "profile": False, "list": set()}

    def hook(name: str, fn):  # type: ignore[no-untyped-def]
        close_old_connections()   # request_started, as under gunicorn
        C.reset(keep=name in mode["list"])
        # CPU timer: cProfile's default wall clock would charge waits on PostgreSQL/Redis.
        prof = (profiles.setdefault(name, cProfile.Profile(time.process_time))
                if mode["profile"] else None)
        c0, w0 = time.process_time(), time.perf_counter()
        if prof:
            prof.enable()
        try:
            r = fn()
            close_old_connections()   # request_finished
        finally:
            if prof:
                prof.disable()
        c1, w1 = time.process_time(), time.perf_counter()
        if mode["record"]:
            cpu[name].append((c1 - c0) * 1000)
            wall[name].append((w1 - w0) * 1000)
            for f in ("sql", "txn", "autocommit", "savepoints", "redis"):
                counts[name][f] += getattr(C, f)
            counts[name]["requests"] += 1
        if C.keep:
            listed[name] = list(C.statements)
            mode["list"].discard(name)
        return r

    if args.ab:
        ab_run([v for v in args.ab.split(",") if v], args.n, start, sku_ids, secret)
        return 0
    n = start
    for _ in range(args.warmup):
        n += 1
        run_purchase(Buyer(n, sku_ids[n % len(sku_ids)], secret), hook)
    if args.timers:
        install_timers()
    mode["record"] = True
    mode["list"] = {s for s in args.sql_steps.split(",") if s}
    t0c, t0w = time.process_time(), time.perf_counter()
    for _ in range(args.n):
        n += 1
        run_purchase(Buyer(n, sku_ids[n % len(sku_ids)], secret), hook)
    total_cpu = (time.process_time() - t0c) * 1000 / args.n
    total_wall = (time.perf_counter() - t0w) * 1000 / args.n
    mode["record"] = False
    if args.timers:
        print("\n=== inclusive CPU of chosen functions, unprofiled (ms per purchase; calls) ===")
        for label, (sec, calls) in sorted(TIMES.items(), key=lambda kv: -kv[1][0]):
            print(f"  {sec * 1000 / args.n:7.2f} ms  x{calls / args.n:<4.1f} {label}")
        TIMES.clear()
    mode["profile"] = args.profile > 0
    for _ in range(args.profile):
        n += 1
        run_purchase(Buyer(n, sku_ids[n % len(sku_ids)], secret), hook)

    def med(v: list[float]) -> float:
        s = sorted(v)
        return s[len(s) // 2] if s else 0.0

    def mean(v: list[float]) -> float:
        return sum(v) / len(v) if v else 0.0

    rows = []
    for s in STEPS:
        k = counts[s]
        per = max(1, args.n)
        rows.append({"step": s, "cpu_ms_mean": round(mean(cpu[s]) * len(cpu[s]) / per, 2),
                     "cpu_ms_p50": round(med(cpu[s]), 2), "wall_ms_p50": round(med(wall[s]), 2),
                     **{f: round(k[f] / per, 2) for f in
                        ("sql", "txn", "autocommit", "savepoints", "redis")}})
    steps_cpu = sum(r["cpu_ms_mean"] for r in rows)
    print(f"\n{args.n} purchases measured (SHEQUN_ENV={settings.SHEQUN_ENV}, "
          f"db={settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}, "
          f"CONN_MAX_AGE={settings.DATABASES['default']['CONN_MAX_AGE']}, "
          f"session={settings.SESSION_ENGINE}, cache={settings.CACHES['default']['BACKEND']})")
    if variants:
        print("variants (what-ifs, not in src):", ", ".join(variants))
    print(f"{'step':<12}{'cpu ms':>8}{'p50':>7}{'wall p50':>9}{'sql':>6}{'txn':>6}"
          f"{'autoc':>6}{'svpt':>6}{'redis':>6}")
    for r in rows:
        print(f"{r['step']:<12}{r['cpu_ms_mean']:>8}{r['cpu_ms_p50']:>7}{r['wall_ms_p50']:>9}"
              f"{r['sql']:>6}{r['txn']:>6}{r['autocommit']:>6}{r['savepoints']:>6}"
              f"{r['redis']:>6}")
    tot = {f: round(sum(r[f] for r in rows), 1)
           for f in ("sql", "txn", "autocommit", "savepoints", "redis")}
    print(f"{'total':<12}{steps_cpu:>8.1f}{'':>7}{'':>9}{tot['sql']:>6}{tot['txn']:>6}"
          f"{tot['autocommit']:>6}{tot['savepoints']:>6}{tot['redis']:>6}")
    print(f"whole loop incl. bench-side reads: {total_cpu:.1f} ms CPU, {total_wall:.1f} ms wall"
          " per purchase")

    for name, stmts in listed.items():
        print(f"\n--- statements of {name} (one request, {len(stmts)}):")
        for i, st in enumerate(stmts, 1):
            print(f"  {i:>2}. {st}")

    if args.profile and args.raw_pstats:
        for name in STEPS:
            prof = profiles.get(name)
            if not prof:
                continue
            for key in ("cumulative", "tottime"):
                out = io.StringIO()
                st = pstats.Stats(prof, stream=out)
                st.sort_stats(key).print_stats(args.top)
                text = out.getvalue()
                body = text[text.find("   ncalls"):] if "   ncalls" in text else text
                print(f"\n=== cProfile {name} by {key} ({args.profile} requests; "
                      f"CPU seconds, totals) ===")
                print("\n".join(line[:200] for line in body.splitlines() if line.strip()))
    if args.micro:
        micro(sku_ids, secret)
    if args.profile:
        report_profiles(profiles, args.profile, args.top)
        if args.callers:
            merged = pstats.Stats(*[p for p in profiles.values()])
            merged.sort_stats("tottime").print_callers(args.callers)
    if args.json:
        print(json.dumps({"rows": rows, "total_cpu_ms": total_cpu}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
