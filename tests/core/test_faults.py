"""Fault tests of the production job runtime: PostgreSQL, RabbitMQ and real
``shequn worker`` subprocesses (Celery, prefork pool).

Every test uses its own queue. Effects are counted from SQL: ``fault_effects``
must hold exactly one row per event (nothing lost, nothing duplicated in
effect) while ``fault_runs`` may show extra executions (at-least-once delivery).
The broker restart runs against a private RabbitMQ node so that other suites
using the shared broker are not disturbed."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.db import connection, transaction

from shequn.core import outbox, relay
from shequn.core.celery_app import DEFAULT_BROKER_URL
from shequn.core.models import OutboxEvent
from tests.core import test_faults_support as support

pytestmark = [pytest.mark.postgres, pytest.mark.rabbitmq,
              pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
SHEQUN = str(ROOT / ".venv" / "bin" / "shequn")
SHARED_BROKER = os.environ.get("BROKER_URL", DEFAULT_BROKER_URL)


# --------------------------------------------------------------------------- helpers


def _wait(cond: Callable[[], object], timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


def _db_url() -> str:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
    return f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _sql(query: str, params: list[object] | None = None) -> list[tuple]:
    with connection.cursor() as cur:
        cur.execute(query, params or [])
        return list(cur.fetchall()) if cur.description else []


def _effects() -> dict[int, int]:
    return dict(_sql("SELECT event_id, count(*) FROM fault_effects GROUP BY event_id"))


def _runs() -> dict[int, int]:
    return dict(_sql("SELECT event_id, count(*) FROM fault_runs GROUP BY event_id"))


def _emit(n: int, **payload: object) -> list[int]:
    with transaction.atomic():
        return [outbox.emit(support.TOPIC, "fault", i, **payload).pk for i in range(n)]


def _processed(ids: list[int]) -> int:
    return OutboxEvent.objects.filter(pk__in=ids, processed_at__isnull=False).count()


class Proc:
    """A ``shequn worker …`` subprocess in its own process group, logging to a file."""

    def __init__(self, args: list[str], env: dict[str, str], log: Path) -> None:
        self.log = log
        self._out = log.open("ab")
        self.popen = subprocess.Popen([SHEQUN, *args], env=env, cwd=ROOT,
                                      stdout=self._out, stderr=subprocess.STDOUT,
                                      start_new_session=True)

    def wait_ready(self, timeout: float = 30) -> None:
        _wait(lambda: "ready." in self.log.read_text(errors="replace")
              or self.popen.poll() is not None, timeout, f"worker ready ({self.log})")
        assert self.popen.poll() is None, self.log.read_text(errors="replace")[-3000:]

    def kill_all(self) -> None:
        """SIGKILL the main process and every pool child (the whole group)."""
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(10)

    def stop(self) -> None:
        if self.popen.poll() is None:
            os.killpg(self.popen.pid, signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                pass
        # Whatever is left of the group (pool children of a killed main process).
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)
        self.popen.wait(5)
        self._out.close()


@pytest.fixture
def fault_tables() -> None:
    with connection.cursor() as cur:
        cur.execute(support.TABLES)
        cur.execute("TRUNCATE fault_runs, fault_effects")


@pytest.fixture
def queue(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    name = f"shequn-fault-{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("SHEQUN_CELERY_QUEUE", name)  # the in-test relay publishes there
    yield name
    from kombu import Connection

    try:  # leave nothing behind on the shared broker
        with Connection(SHARED_BROKER, connect_timeout=3) as conn:
            conn.default_channel.queue_delete(name)
            conn.default_channel.exchange_delete(name)
    except Exception:
        pass


@pytest.fixture
def spawn(queue: str, tmp_path: Path, fault_tables: None) -> Iterator[Callable[..., Proc]]:
    procs: list[Proc] = []

    def start(*args: str, broker: str = SHARED_BROKER, wait: bool = True) -> Proc:
        env = dict(os.environ, DATABASE_URL=_db_url(), BROKER_URL=broker,
                   SHEQUN_CELERY_QUEUE=queue, SHEQUN_VAR_DIR=str(tmp_path),
                   SHEQUN_WORKER_IMPORTS="tests.core.test_faults_support",
                   PYTHONPATH=f"{ROOT}{os.pathsep}{ROOT / 'src'}", SHEQUN_LOG="INFO")
        proc = Proc(["worker", *args], env, tmp_path / f"proc{len(procs)}.log")
        procs.append(proc)
        if wait and args[:1] != ("relay",):
            proc.wait_ready()
        return proc

    yield start
    for p in procs:
        p.stop()


# --------------------------------------------------------------------------- tests


def test_events_committed_together_are_processed_exactly_once(spawn):
    """(a) The worker with its relay: every committed event runs once, a
    rolled-back transaction leaves no event and no effect."""
    worker = spawn("--concurrency", "2", "--relay", "--relay-interval", "0.2")
    ids = _emit(40)
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            outbox.emit(support.TOPIC, "fault", "rolled-back")
            raise RuntimeError("the business change failed")
    _wait(lambda: _processed(ids) == len(ids), 30, "40 events processed")
    assert OutboxEvent.objects.count() == len(ids)
    assert _effects() == {pk: 1 for pk in ids}
    assert _runs() == {pk: 1 for pk in ids}
    assert not OutboxEvent.objects.filter(pk__in=ids, relayed_at__isnull=True).exists()
    # The relay child does not outlive its worker, even a SIGKILLed one.
    relay_pid = _child_running(worker.popen.pid, "relay")
    os.kill(worker.popen.pid, signal.SIGKILL)
    _wait(lambda: not Path(f"/proc/{relay_pid}").exists()
          or "Z" in Path(f"/proc/{relay_pid}/stat").read_text().split()[2], 10,
          "the relay to stop after its worker died")


def _child_running(parent: int, word: str) -> int:
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().split()
            cmd = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if int(fields[3]) == parent and word in cmd:
            return int(stat.parent.name)
    raise AssertionError(f"no child of {parent} running {word!r}")


def test_sigkill_of_the_worker_mid_task_redelivers_and_runs_once(spawn):
    """(b) SIGKILL the pool process running a task, then the whole worker:
    the message comes back each time and the effect happens once."""
    worker = spawn("--concurrency", "2")
    (slow,) = _emit(1, sleep_first=30)
    others = _emit(5)
    assert relay.relay_pending() == 6
    _wait(lambda: _runs().get(slow), 15, "the slow task to start")
    (child,) = _sql("SELECT pid FROM fault_runs WHERE event_id = %s", [slow])[0]
    os.kill(child, signal.SIGKILL)
    _wait(lambda: _processed([slow, *others]) == 6, 20, "redelivery after the child died")
    assert _runs()[slow] == 2 and _effects()[slow] == 1

    # Now the main process and its children at once; a new worker gets the message.
    (slow2,) = _emit(1, sleep_first=30)
    assert relay.relay_pending() == 1
    _wait(lambda: _runs().get(slow2), 15, "the second slow task to start")
    worker.kill_all()
    assert _processed([slow2]) == 0
    spawn("--concurrency", "2")
    _wait(lambda: _processed([slow2]) == 1, 30, "redelivery to a new worker")
    effects = _effects()
    assert effects == {pk: 1 for pk in [slow, *others, slow2]}
    assert _runs()[slow2] == 2
    assert OutboxEvent.objects.get(pk=slow2).attempts == 2


@pytest.fixture
def private_broker() -> Iterator[tuple[str, Callable[[str], None]]]:
    """A RabbitMQ node of our own (restarting the shared one would break other
    suites); yields its URL and ``ctl(command)`` for rabbitmqctl."""
    server, ctl_bin = shutil.which("rabbitmq-server"), shutil.which("rabbitmqctl")
    if not server or not ctl_bin or os.geteuid() != 0:
        pytest.skip("broker restart test needs rabbitmq-server and root to start a private node")

    def free_port() -> int:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            return int(s.getsockname()[1])

    port, dist = free_port(), free_port()
    node = f"shequnfault{os.getpid()}x{port}@localhost"
    # Not under tmp_path: pytest's base folder is private to root, and the node
    # runs as the rabbitmq user.
    base = Path(tempfile.mkdtemp(prefix="shequn-fault-rabbit-"))
    base.chmod(0o755)
    (base / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{port}\n")
    (base / "plugins").write_text("[].\n")
    shutil.chown(base, "rabbitmq", "rabbitmq")
    for child in base.iterdir():
        shutil.chown(child, "rabbitmq", "rabbitmq")
    env = dict(os.environ, RABBITMQ_NODENAME=node, RABBITMQ_NODE_PORT=str(port),
               RABBITMQ_DIST_PORT=str(dist), RABBITMQ_CONFIG_FILE=str(base / "rabbitmq.conf"),
               RABBITMQ_ENABLED_PLUGINS_FILE=str(base / "plugins"),
               RABBITMQ_MNESIA_BASE=str(base / "mnesia"), RABBITMQ_LOG_BASE=str(base / "log"),
               RABBITMQ_PID_FILE=str(base / "pid"))
    subprocess.run([server, "-detached"], env=env, check=True, timeout=30)

    def answers() -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return True
        except OSError:
            return False

    def ctl(command: str) -> None:
        subprocess.run([ctl_bin, "-n", node, command], check=True, timeout=60,
                       capture_output=True)

    try:
        _wait(answers, 40, "the private RabbitMQ node")
        yield f"amqp://guest:guest@127.0.0.1:{port}//", ctl
    finally:
        subprocess.run([ctl_bin, "-n", node, "stop"], timeout=60,
                       capture_output=True, check=False)
        shutil.rmtree(base, ignore_errors=True)


def test_broker_restart_while_relaying_loses_and_duplicates_nothing(private_broker, spawn):
    # private_broker first: torn down after the worker, not under it.
    """(c) RabbitMQ's app stops while the relay publishes and the worker
    consumes; events written meanwhile wait in the outbox; after the restart
    everything is processed, each effect once."""
    url, ctl = private_broker
    spawn("--concurrency", "2", broker=url)
    spawn("relay", "--interval", "0.2", broker=url)
    first = _emit(100)
    _wait(lambda: _processed(first) >= 10, 20, "processing to start")
    ctl("stop_app")
    second = _emit(100)  # the broker is down: these stay in the outbox
    time.sleep(1.5)
    ctl("start_app")
    ids = first + second
    _wait(lambda: _processed(ids) == len(ids), 60, "all 200 events after the restart")
    assert _effects() == {pk: 1 for pk in ids}
    runs = _runs()
    assert set(runs) == set(ids) and all(n >= 1 for n in runs.values())


def test_database_connections_killed_mid_task_are_retried(spawn):
    """(d) pg_terminate_backend on the worker's connections while a task holds
    its transaction: the task fails, retries on a fresh connection, completes."""
    spawn("--concurrency", "2")
    (slow,) = _emit(1, sleep_first=2)
    assert relay.relay_pending() == 1
    _wait(lambda: _runs().get(slow), 15, "the slow task to start")
    killed = _sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                  "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                  "AND backend_type = 'client backend'")
    assert killed, "no worker connection to kill"
    _wait(lambda: _processed([slow]) == 1, 30, "the retry after the connection drop")
    assert _effects() == {slow: 1} and _runs()[slow] == 2
    event = OutboxEvent.objects.get(pk=slow)
    assert event.attempts == 2 and event.dead_at is None
    # Later events go through as usual on new connections.
    more = _emit(5)
    relay.relay_pending()
    _wait(lambda: _processed(more) == 5, 15, "events after the drop")
