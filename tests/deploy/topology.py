"""The staging topology as real processes, shared by the deploy test
(``tests/deploy/test_staging_topology.py``) and ``bench/http_purchase.py``.

    with Topology(workdir) as topo:          # or topo.start() / topo.stop()
        buyer = Browser(topo.web_url)
        ...

What ``start()`` brings up, in ``SHEQUN_ENV=staging`` with the env file that
``shequn secrets generate --env staging`` prints (fresh secrets, real key files):

- a PostgreSQL database of its own (``<caller's database>_staging_<random>``), migrated,
  seeded with ``shequn seed_demo`` and with static files collected;
- Redis: one database index and a key prefix of its own (removed on stop);
- RabbitMQ: a queue of its own (``SHEQUN_CELERY_QUEUE``, deleted on stop);
- the customs single-window simulator (``shequn customs-sim``) as its own process,
  posting receipts back to the web app over HTTP with the receipt token;
- ``shequn worker --relay --beat`` (Celery, the outbox relay, periodic jobs);
- gunicorn with ``shequn.gunicorn_conf`` on a free port.

``stop()`` always runs to the end: each process is terminated, then killed,
and the database is dropped, whatever failed before.

Nothing here imports Django: the orchestrating process (pytest, the bench)
keeps its own settings. The HTTP client (``Browser``) plays the TLS proxy in
front of gunicorn: it connects from 127.0.0.1 (a trusted proxy) and says
``X-Forwarded-Proto: https``. Cookies are kept by hand, because the session and
CSRF cookies are ``Secure`` and a cookie jar would not send them over plain HTTP.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import http.client
import http.server
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"
SHEQUN = str(BIN / "shequn")
GUNICORN = str(BIN / "gunicorn")
DEFAULT_BROKER = "amqp://guest:guest@127.0.0.1:5672//"
DEFAULT_ADMIN_DB = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_REDIS = "redis://127.0.0.1:6379"

# Demo staff from `shequn seed_demo --staff-password ...` (staging refuses the
# published demo passwords).
STAFF_PASSWORD = "staging-staff-password-1"
OPS_LOGIN = ("ops", STAFF_PASSWORD)
BANNER = "模拟环境"

# Variables of the caller's environment that must not leak into the staging
# processes (pytest runs in demo mode with its own database).
_DROPPED = ("DATABASE_URL", "REDIS_URL", "PROMETHEUS_MULTIPROC_DIR", "DJANGO_SETTINGS_MODULE")


def wait_for(cond: Callable[[], object], timeout: float, what: str,
             interval: float = 0.2) -> Any:
    end = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() >= end:
            raise TimeoutError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(interval)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def resident_id(n: int) -> str:
    """A valid 18-digit resident ID number (ISO 7064 MOD 11-2 check), one per ``n``."""
    body = f"110105{19700101 + (n % 28)}{n % 1000:03d}"
    weights = [2 ** (17 - i) % 11 for i in range(17)]
    total = sum(int(d) * w for d, w in zip(body, weights, strict=True))
    return body + "10X98765432"[total % 11]


def parse_env_file(text: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, _, value = line.partition("=")
            env[name.strip()] = value.strip()
    return env


# --------------------------------------------------------------------------- processes

class Proc:
    """A subprocess in its own process group, output to a log file."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log: Path) -> None:
        self.name = name
        self.log = log
        self._out = log.open("ab")
        self.popen = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=self._out,
                                      stderr=subprocess.STDOUT, start_new_session=True)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def tail(self, chars: int = 3000) -> str:
        try:
            return self.log.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def stop(self, grace: float = 15) -> None:
        """SIGTERM the group, wait, then SIGKILL whatever is left of it."""
        with contextlib.suppress(ProcessLookupError):
            if self.popen.poll() is None:
                os.killpg(self.popen.pid, signal.SIGTERM)
        try:
            self.popen.wait(grace)
        except subprocess.TimeoutExpired:
            pass
        # Children of a stopped main process (pool processes) too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(5)
        self._out.close()


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            # The command may hold spaces and parentheses: split after the last ')'.
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return sorted(found)


class _ProxyHandler(http.server.BaseHTTPRequestHandler):
    """Forwards one request to gunicorn as the TLS proxy would: with
    ``X-Forwarded-Proto: https`` and the caller's address in ``X-Forwarded-For``."""

    protocol_version = "HTTP/1.1"
    upstream: tuple[str, int] = ("127.0.0.1", 0)

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else None
        headers = {k: v for k, v in self.headers.items()
                   if k.lower() not in ("connection", "x-forwarded-proto", "x-forwarded-for")}
        headers["X-Forwarded-Proto"] = "https"
        headers["X-Forwarded-For"] = self.client_address[0]
        conn = http.client.HTTPConnection(*self.upstream, timeout=30)
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            answer = conn.getresponse()
            data = answer.read()
            self.send_response(answer.status)
            for name, value in answer.getheaders():
                if name.lower() not in ("connection", "transfer-encoding", "content-length"):
                    self.send_header(name, value)
        except OSError:
            data = b"upstream unavailable"
            self.send_response(502)
        finally:
            conn.close()
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = _forward

    def log_message(self, format: str, *args: Any) -> None:
        pass  # gunicorn logs the request


class _TlsHandler(_ProxyHandler):
    def setup(self) -> None:
        # The handshake in the request's own thread, not in the accepting one.
        self.request.do_handshake()
        super().setup()


class _QuietServer(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a browser's abandoned speculative connection, a refused handshake


def self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A key and certificate for 127.0.0.1 and localhost (the browser is told
    to accept it: it is nobody's certificate)."""
    import datetime as dt
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .sign(key, hashes.SHA256()))
    directory.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = directory / "proxy.key", directory / "proxy.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


class TlsProxy:
    """A stand-in for the TLS proxy in front of gunicorn, for clients that
    cannot add its headers themselves (the customs simulator's receipts).
    With ``certificate`` (key, cert) it speaks TLS itself, as the real one
    does: a browser then sees an https page, and keeps and sends ``Secure``
    cookies as it would in service."""

    def __init__(self, upstream_port: int,
                 certificate: tuple[Path, Path] | None = None) -> None:
        base = _TlsHandler if certificate else _ProxyHandler
        handler = type("Handler", (base,), {"upstream": ("127.0.0.1", upstream_port)})
        self.server = _QuietServer(("127.0.0.1", 0), handler)
        scheme = "http"
        if certificate:
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(certfile=str(certificate[1]), keyfile=str(certificate[0]))
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True,
                                                     do_handshake_on_connect=False)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


# --------------------------------------------------------------------------- topology

@dataclass
class Topology:
    workdir: Path
    web_workers: int | None = 2          # None: gunicorn_conf's default (2 x cores + 1)
    worker_concurrency: int = 2
    redis_db: int = 7
    extra_env: dict[str, str] = field(default_factory=dict)
    seed: bool = True

    env: dict[str, str] = field(init=False, default_factory=dict)
    db_name: str = field(init=False, default="")
    web_url: str = field(init=False, default="")
    sim_url: str = field(init=False, default="")
    procs: dict[str, Proc] = field(init=False, default_factory=dict)
    timings: dict[str, float] = field(init=False, default_factory=dict)
    proxy: TlsProxy | None = field(init=False, default=None)
    https_proxy: TlsProxy | None = field(init=False, default=None)
    _tag: str = field(init=False, default_factory=lambda: uuid.uuid4().hex[:10])
    _db_created: bool = field(init=False, default=False)

    # ---------------------------------------------------------------- set-up

    def __enter__(self) -> Topology:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def prom_dir(self) -> Path:
        return self.workdir / "prometheus"

    @property
    def queue(self) -> str:
        return f"shequn-staging-{self._tag}"

    @property
    def cache_prefix(self) -> str:
        return f"stg{self._tag}"

    def start(self) -> None:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise

    def _timed(self, name: str, fn: Callable[[], object]) -> None:
        t0 = time.perf_counter()
        fn()
        self.timings[name] = round(time.perf_counter() - t0, 2)

    def _start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.prom_dir.mkdir(exist_ok=True)
        web_port, sim_port = free_port(), free_port()
        self.web_url = f"http://127.0.0.1:{web_port}"
        self.sim_url = f"http://127.0.0.1:{sim_port}"
        self.env = self._environment(web_port, sim_port)
        self._create_database()
        self._timed("migrate", lambda: self.manage("migrate", "--noinput", "-v0"))
        if self.seed:
            self._timed("seed", lambda: self.manage("seed_demo", "--staff-password",
                                                    STAFF_PASSWORD))
        self._timed("collectstatic", lambda: self.manage("collectstatic", "--noinput", "-v0"))
        self._clear_redis()
        t0 = time.perf_counter()
        cert = self.env["SHEQUN_CEB_CERT_FILE"]
        # Customs reaches the site's public (HTTPS) address, i.e. the proxy.
        self.proxy = TlsProxy(web_port)
        self._spawn("sim", [SHEQUN, "customs-sim", "--host", "127.0.0.1", "--port",
                            str(sim_port), "--callback",
                            f"{self.proxy.url}/api/v1/customs/receipts",
                            "--callback-token=" + self.env["SHEQUN_CUSTOMS_RECEIPT_TOKEN"],
                            "--trusted-cert", cert,
                            "--snapshot", str(self.workdir / "customs-sim.json")])
        self._spawn("worker", [SHEQUN, "worker", "--concurrency",
                               str(self.worker_concurrency), "--relay", "--beat",
                               "--relay-interval", "0.2"])
        self._spawn("web", [GUNICORN, "-c", "python:shequn.gunicorn_conf", "shequn.wsgi"])
        wait_for(lambda: self._answers(f"{self.sim_url}/health"), 30, "the customs simulator")
        wait_for(lambda: "ready." in self.procs["worker"].tail(20000)
                 or not self.procs["worker"].alive(), 60, "the worker")
        self._check_alive("worker")
        wait_for(lambda: self._answers(f"{self.web_url}/healthz")
                 or not self.procs["web"].alive(), 60, "gunicorn")
        self._check_alive("web")
        expected = self.web_workers
        if expected:
            wait_for(lambda: len(self.web_worker_pids()) == expected, 30,
                     f"{expected} gunicorn workers")
        self.timings["processes"] = round(time.perf_counter() - t0, 2)

    def _environment(self, web_port: int, sim_port: int) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items()
                if not k.startswith("SHEQUN_") and k not in _DROPPED}
        keys = self.workdir / "keys"
        generated = subprocess.run(
            [SHEQUN, "secrets", "generate", "--env", "staging", "--key-dir", str(keys)],
            env=base, cwd=ROOT, capture_output=True, text=True, timeout=60, check=True)
        env = {**base, **parse_env_file(generated.stdout)}
        # Named after the caller's database (``shequn`` by default), so runs
        # from several checkouts on one server tell theirs apart.
        caller = urllib.parse.urlsplit(os.environ.get("DATABASE_URL", "")).path.strip("/")
        prefix = caller if caller.startswith("shequn") and "/" not in caller else "shequn"
        self.db_name = f"{prefix}_staging_{self._tag}"
        admin = urllib.parse.urlsplit(self._admin_url())
        env.update({
            "DATABASE_URL": urllib.parse.urlunsplit(admin._replace(path="/" + self.db_name)),
            "REDIS_URL": f"{os.environ.get('SHEQUN_TEST_REDIS', DEFAULT_REDIS)}/"
                         f"{self.redis_db}",
            "SHEQUN_CACHE_PREFIX": self.cache_prefix,
            "BROKER_URL": os.environ.get("BROKER_URL") or DEFAULT_BROKER,
            "SHEQUN_CELERY_QUEUE": self.queue,
            "SHEQUN_VAR_DIR": str(self.workdir / "var"),
            "SHEQUN_CUSTOMS_GATEWAY": f"http://127.0.0.1:{sim_port}/ceb",
            "SHEQUN_BIND": f"127.0.0.1:{web_port}",
            "PROMETHEUS_MULTIPROC_DIR": str(self.prom_dir),
            "SHEQUN_BEAT_INTERVAL": "2",
            "SHEQUN_LOG": "INFO",
            "PYTHONUNBUFFERED": "1",
        })
        if self.web_workers:
            env["SHEQUN_WEB_WORKERS"] = str(self.web_workers)
        env.update(self.extra_env)
        return env

    def _admin_url(self) -> str:
        url = os.environ.get("DATABASE_URL", "")
        if not url.startswith(("postgres://", "postgresql://")):
            return DEFAULT_ADMIN_DB
        return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(path="/postgres"))

    def _admin(self, statement: str) -> None:
        import psycopg

        with psycopg.connect(self._admin_url(), autocommit=True, connect_timeout=5) as conn:
            conn.execute(statement)

    def _create_database(self) -> None:
        self._admin(f'CREATE DATABASE "{self.db_name}"')
        self._db_created = True

    def _spawn(self, name: str, argv: list[str]) -> None:
        self.procs[name] = Proc(name, argv, self.env, self.workdir / f"{name}.log")

    def https_url(self) -> str:
        """The site's address through a proxy that speaks TLS itself, with a
        self-signed certificate (a browser is told to accept it): what a phone
        sees, an https origin in front of gunicorn."""
        if self.https_proxy is None:
            port = int(self.env["SHEQUN_BIND"].rpartition(":")[2])
            self.https_proxy = TlsProxy(port, self_signed_certificate(self.workdir / "tls"))
        return self.https_proxy.url

    def restart(self, name: str, ready: str = "ready.", timeout: float = 60) -> None:
        """Stop a process (if running) and start it again with the same command;
        wait until its log says ``ready`` (the worker's readiness line)."""
        old = self.procs[name]
        old.stop()
        offset = old.log.stat().st_size if old.log.exists() else 0
        self._spawn(name, list(old.popen.args))  # type: ignore[arg-type]
        proc = self.procs[name]
        wait_for(lambda: ready in proc.log.read_text(errors="replace")[offset:]
                 or not proc.alive(), timeout, name)
        self._check_alive(name)

    def _check_alive(self, name: str) -> None:
        proc = self.procs[name]
        if not proc.alive():
            raise RuntimeError(f"{name} exited with {proc.popen.returncode}:\n{proc.tail()}")

    @staticmethod
    def _answers(url: str) -> bool:
        parts = urllib.parse.urlsplit(url)
        try:
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=2)
            conn.request("GET", parts.path)
            ok = conn.getresponse().status == 200
            conn.close()
            return ok
        except OSError:
            return False

    def manage(self, *args: str, timeout: float = 300) -> str:
        """``shequn ARGS`` (any Django command) in the staging environment."""
        done = subprocess.run([SHEQUN, *args], env=self.env, cwd=ROOT, capture_output=True,
                              text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"shequn {' '.join(args)} failed ({done.returncode}):\n"
                               f"{done.stdout[-2000:]}\n{done.stderr[-4000:]}")
        return done.stdout

    def shell(self, code: str) -> str:
        return self.manage("shell", "-c", code)

    # ---------------------------------------------------------------- state

    def sql(self, query: str, params: Iterable[object] = ()) -> list[tuple]:
        import psycopg

        with psycopg.connect(self.env["DATABASE_URL"], autocommit=True,
                             connect_timeout=5) as conn:
            cur = conn.execute(query, tuple(params))  # type: ignore[arg-type]
            return list(cur.fetchall()) if cur.description else []

    def web_worker_pids(self) -> list[int]:
        web = self.procs.get("web")
        return children_of(web.popen.pid) if web and web.alive() else []

    def requests_by_pid(self) -> dict[int, float]:
        """Requests each web process counted (prometheus-client's multiprocess
        files, one per process: ``counter_<pid>.db``)."""
        from prometheus_client.mmap_dict import MmapedDict

        counts: dict[int, float] = {}
        for path in self.prom_dir.glob("counter_*.db"):
            pid = int(path.stem.rpartition("_")[2])
            total = 0.0
            for key, value, *_ in MmapedDict.read_all_values_from_file(str(path)):
                if json.loads(key)[1] == "shequn_http_requests_total":
                    total += value
            counts[pid] = counts.get(pid, 0.0) + total
        return counts

    def logs(self, chars: int = 2500) -> str:
        return "\n".join(f"--- {name}.log\n{proc.tail(chars)}" for name, proc in
                         self.procs.items())

    # ---------------------------------------------------------------- tear-down

    def stop(self) -> None:
        errors: list[str] = []
        # The web first (no new work), then the worker, then the simulator.
        for name in ("web", "worker", "sim"):
            proc = self.procs.get(name)
            if proc is not None:
                try:
                    proc.stop()
                except Exception as exc:  # keep tearing down the rest
                    errors.append(f"{name}: {exc!r}")
        for proxy in (self.proxy, self.https_proxy):
            if proxy is not None:
                proxy.stop()
        self.proxy = self.https_proxy = None
        for step in (self._drop_database, self._delete_queue, self._clear_redis):
            try:
                step()
            except Exception as exc:
                errors.append(f"{step.__name__}: {exc!r}")
        if errors:
            raise RuntimeError("tear-down: " + "; ".join(errors))

    def _drop_database(self) -> None:
        if self._db_created:
            self._admin(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)')
            self._db_created = False

    def _delete_queue(self) -> None:
        if not self.env:
            return
        from kombu import Connection

        with Connection(self.env["BROKER_URL"], connect_timeout=3) as conn:
            for name in (self.queue, f"{self.queue}.dlq"):
                with contextlib.suppress(Exception):
                    conn.default_channel.queue_delete(name)
            with contextlib.suppress(Exception):
                conn.default_channel.exchange_delete(self.queue)

    def _clear_redis(self) -> None:
        """Remove this run's keys only (its prefix): other runs may share the index."""
        if not self.env:
            return
        import redis

        client = redis.Redis.from_url(self.env["REDIS_URL"], socket_timeout=3)
        try:
            batch = list(client.scan_iter(match=f"{self.cache_prefix}:*", count=500))
            for i in range(0, len(batch), 500):
                client.delete(*batch[i:i + 500])
        finally:
            client.close()


# --------------------------------------------------------------------------- HTTP

@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes
    elapsed: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


class HttpError(AssertionError):
    pass


class Browser:
    """One client session behind the TLS proxy. Not thread-safe: one per thread."""

    def __init__(self, base_url: str, *, forwarded_for: str | None = None,
                 timeout: float = 30) -> None:
        parts = urllib.parse.urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", parts.port or 80
        self.origin = f"https://{self.host}:{self.port}"
        self.forwarded_for = forwarded_for
        self.timeout = timeout
        self.cookies: dict[str, str] = {}

    @property
    def csrf(self) -> str:
        # Double-submit: an API client may choose the cookie's value itself
        # (Django checks that header and cookie agree); a page GET sets one too.
        if "csrftoken" not in self.cookies:
            self.cookies["csrftoken"] = secrets.token_urlsafe(24)[:32]
        return self.cookies["csrftoken"]

    def request(self, method: str, path: str, *, json_body: Any = None,
                form: dict[str, str] | None = None, body: bytes | None = None,
                headers: dict[str, str] | None = None, expect: int | None = None
                ) -> Response:
        send = {"Host": f"{self.host}:{self.port}", "X-Forwarded-Proto": "https",
                "Accept": "application/json, text/html"}
        if self.forwarded_for:
            send["X-Forwarded-For"] = self.forwarded_for
        if json_body is not None:
            body = json.dumps(json_body, ensure_ascii=False).encode()
            send["Content-Type"] = "application/json"
        elif form is not None:
            body = urllib.parse.urlencode(form).encode()
            send["Content-Type"] = "application/x-www-form-urlencoded"
        if method not in ("GET", "HEAD"):
            send["X-CSRFToken"] = self.csrf
            send["Origin"] = self.origin
            send["Referer"] = self.origin + "/"
        if self.cookies:
            send["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        send.update(headers or {})
        t0 = time.perf_counter()
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            conn.request(method, path, body=body, headers=send)
            raw = conn.getresponse()
            data = raw.read()
            cookies = raw.headers.get_all("Set-Cookie") or []
            got = {k.lower(): v for k, v in raw.getheaders()}
        finally:
            conn.close()
        elapsed = time.perf_counter() - t0
        self._keep_cookies(cookies)
        response = Response(raw.status, got, data, elapsed)
        if expect is not None and response.status != expect:
            raise HttpError(f"{method} {path}: {response.status} (expected {expect}): "
                            f"{response.text[:600]}")
        return response

    def _keep_cookies(self, lines: list[str]) -> None:
        for line in lines:
            jar: SimpleCookie = SimpleCookie()
            jar.load(line)
            for name, morsel in jar.items():
                gone = morsel["max-age"] == "0" or (
                    morsel["expires"] and "1970" in morsel["expires"])
                if gone or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value

    def get(self, path: str, **kw: Any) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Response:
        return self.request("POST", path, **kw)


def staff_sign_in(browser: Browser, login: tuple[str, str] = OPS_LOGIN) -> None:
    browser.get("/login/?mode=password", expect=200)
    answer = browser.post("/login/", form={
        "mode": "password", "username": login[0], "password": login[1],
        "csrfmiddlewaretoken": browser.csrf, "next": "/ops/"})
    if answer.status != 302 or "sessionid" not in browser.cookies:
        raise HttpError(f"staff sign-in failed: {answer.status} {answer.text[:400]}")


_CODE = re.compile(r'id="sim-sms-code">\s*(\d{6})\s*<')


def sms_code_from_inbox(staff: Browser, phone: str) -> str:
    """The code the SMS simulator sent to ``phone``, read on its staff-only page."""
    page = staff.post("/sim/sms/", form={"phone": phone,
                                         "csrfmiddlewaretoken": staff.csrf}, expect=200)
    found = _CODE.search(page.text)
    if not found:
        raise HttpError(f"no code for the phone in the SMS inbox: {page.text[:400]}")
    return found.group(1)


# --------------------------------------------------------------------------- payment

SIGNATURE_HEADER = "X-Shequn-Pay-Signature"
TIMESTAMP_HEADER = "X-Shequn-Pay-Timestamp"
NONCE_HEADER = "X-Shequn-Pay-Nonce"


def signed_notification(secret: str, out_trade_no: str, amount: str, payer_name: str,
                        payer_id_number: str) -> tuple[bytes, dict[str, str]]:
    """What the payment provider POSTs when the payer has paid: the body and
    its HMAC-SHA256 signature over ``timestamp\\nnonce\\nbody\\n`` (payments/signing.py)."""
    body = json.dumps({
        "notify_id": "N" + secrets.token_hex(10).upper(),
        "event_type": "TRANSACTION.SUCCESS", "out_trade_no": out_trade_no,
        "transaction_id": "SIM" + secrets.token_hex(10).upper(), "trade_state": "SUCCESS",
        "amount": amount, "currency": "CNY",
        "payer": {"name": payer_name, "id_type": "1", "id_number": payer_id_number},
        "success_time": int(time.time()),
    }, ensure_ascii=False, separators=(",", ":")).encode()
    ts, nonce = str(int(time.time())), secrets.token_hex(8)
    message = ts.encode() + b"\n" + nonce.encode() + b"\n" + body + b"\n"
    signature = base64.b64encode(hmac.new(secret.encode(), message, hashlib.sha256).digest())
    return body, {TIMESTAMP_HEADER: ts, NONCE_HEADER: nonce,
                  SIGNATURE_HEADER: signature.decode(), "Content-Type": "application/json"}


# --------------------------------------------------------------------------- purchase

@dataclass
class Buyer:
    phone: str
    id_number: str
    name: str = "王五"


@dataclass
class Purchase:
    checkout_id: str
    orders: list[str]
    steps: dict[str, float]   # seconds per step (HTTP round trip as the client saw it)
    otp_answer: dict[str, Any]  # what the one-time code request answered


STEPS = ("otp_request", "otp_verify", "identity", "address", "cart_add", "quote", "place",
         "notify")


def purchase(browser: Browser, buyer: Buyer, sku_id: int, *,
             read_code: Callable[[str], str],
             payments_of: Callable[[str], list[tuple[str, str]]],
             payment_secret: str, qty: int = 1) -> Purchase:
    """A whole purchase over HTTP: sign-in by one-time code, identity, address,
    cart, quote, place, the provider's signed payment notification.
    ``read_code(phone)`` gets the SMS code; ``payments_of(checkout_id)`` gives
    (out_trade_no, amount) of each payment to make (the provider's books)."""
    steps: dict[str, float] = {}

    def step(name: str, method: str, path: str, expect: int, **kw: Any) -> Response:
        answer = browser.request(method, path, expect=expect, **kw)
        steps[name] = answer.elapsed
        return answer

    otp_answer = step("otp_request", "POST", "/api/v1/auth/otp/request", 202,
                      json_body={"phone": buyer.phone}).json()
    code = read_code(buyer.phone)
    step("otp_verify", "POST", "/api/v1/auth/otp/verify", 200,
         json_body={"phone": buyer.phone, "code": code})
    ident = step("identity", "POST", "/api/v1/me/identities", 201, json_body={
        "name": buyer.name, "id_number": buyer.id_number, "phone": buyer.phone}).json()
    addr = step("address", "POST", "/api/v1/me/addresses", 201, json_body={
        "consignee": buyer.name, "phone": buyer.phone, "province": "上海市",
        "city": "上海市", "district": "浦东新区", "district_code": "310115",
        "detail": "世纪大道 1 号"}).json()
    cart = step("cart_add", "POST", "/api/v1/cart/items", 200,
                json_body={"sku_id": sku_id, "qty": qty}).json()
    quote = step("quote", "POST", "/api/v1/checkout/quote", 200,
                 json_body={"identity_id": ident["id"]}).json()
    if quote.get("refused_code"):
        raise HttpError(f"quote refused: {quote['refused_code']}")
    placed = step("place", "POST", "/api/v1/checkout/place", 201, json_body={
        "identity_id": ident["id"], "address_id": addr["id"],
        "cart_version": cart["version"]}).json()
    notify = 0.0
    for out_trade_no, amount in payments_of(placed["checkout_id"]):
        body, headers = signed_notification(payment_secret, out_trade_no, amount,
                                            buyer.name, buyer.id_number)
        answer = browser.request("POST", "/api/v1/payments/notify", body=body,
                                 headers=headers, expect=204)
        notify += answer.elapsed
    steps["notify"] = notify
    return Purchase(placed["checkout_id"], [o["number"] for o in placed["orders"]], steps,
                    otp_answer)


def payments_reader(topo: Topology) -> Callable[[str], list[tuple[str, str]]]:
    """The simulated provider's books: the open payments of a checkout (SQL)."""
    def read(checkout_id: str) -> list[tuple[str, str]]:
        rows = topo.sql(
            "SELECT p.out_trade_no, p.amount FROM payments_payment p "
            "JOIN orders_order o ON o.id = p.order_id "
            "WHERE o.checkout_id = %s AND p.state = 'created' ORDER BY o.number",
            [checkout_id])
        return [(no, f"{amount:.2f}") for no, amount in rows]
    return read
