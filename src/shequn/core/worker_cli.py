"""``shequn worker``: the production job runtime.

    shequn worker [--concurrency N] [--queue Q] [--loglevel L] [--pool P]
                  [--beat] [--relay] [--relay-interval S] [--hostname H]
        a Celery worker for Shequn; --beat embeds Celery beat (run it in one
        worker only), --relay runs the outbox relay next to it (a child process)
    shequn worker relay [--interval S] [--queue Q] [--once]
        the outbox relay alone (any number of them; they skip each other's rows)
    shequn worker beat [--loglevel L]
        Celery beat alone: periodic jobs and the relay sweep

Environment: BROKER_URL, DATABASE_URL and the SHEQUN_* keys in celery_app.py.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading


def _worker_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="shequn worker", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--concurrency", "-c", type=int, default=None,
                   help="pool processes (default: number of CPUs)")
    p.add_argument("--queue", "-Q", default=None, help="queue (default SHEQUN_CELERY_QUEUE)")
    p.add_argument("--loglevel", "-l", default="INFO")
    p.add_argument("--pool", "-P", default="prefork", choices=["prefork", "solo", "threads"])
    p.add_argument("--hostname", "-n", default=None)
    p.add_argument("--beat", "-B", action="store_true", help="embed Celery beat")
    p.add_argument("--relay", action="store_true", help="run the outbox relay too")
    p.add_argument("--relay-interval", type=float, default=1.0)
    return p


def _relay_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="shequn worker relay")
    p.add_argument("--interval", type=float, default=1.0, help="idle poll interval (s)")
    p.add_argument("--queue", "-Q", default=None)
    p.add_argument("--once", action="store_true", help="relay what is due, then exit")
    p.add_argument("--with-parent", type=int, default=0, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.queue:
        os.environ["SHEQUN_CELERY_QUEUE"] = args.queue
    import shequn.core.celery_app  # noqa: F401  (Django setup, Celery config)
    from shequn.core import relay

    if args.once:
        print(relay.relay_pending())
        return 0
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if args.with_parent:
        # Started by `shequn worker --relay`: stop when that worker is gone
        # (even SIGKILLed), rather than relay for a worker that no longer exists.
        threading.Thread(target=_watch_parent, args=(args.with_parent, stop),
                         daemon=True).start()
    relay.run(interval=args.interval, stop=stop)
    return 0


def _watch_parent(parent: int, stop: threading.Event) -> None:
    while not stop.wait(1.0):
        if os.getppid() != parent:
            stop.set()


def _beat_main(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="shequn worker beat")
    p.add_argument("--loglevel", "-l", default="INFO")
    args = p.parse_args(argv)
    from shequn.core.celery_app import app

    app.start(["beat", "--loglevel", args.loglevel])
    return 0


def main(argv: list[str]) -> int:
    # Workers keep their database connection between tasks (a new one costs
    # about 7 ms, more than processing most events); it is health-checked
    # before each task, so a dropped connection is replaced, not used.
    os.environ.setdefault("SHEQUN_DB_CONN_MAX_AGE", "300")
    if argv and argv[0] == "relay":
        return _relay_main(argv[1:])
    if argv and argv[0] == "beat":
        return _beat_main(argv[1:])
    args = _worker_parser().parse_args(argv)
    if args.queue:
        os.environ["SHEQUN_CELERY_QUEUE"] = args.queue
    from shequn.core.celery_app import app, queue_name

    relay_proc = None
    if args.relay:
        # A separate process, not a thread: the prefork pool forks the main
        # process, and a thread holding locks or sockets must not be forked.
        relay_proc = subprocess.Popen([sys.executable, "-m", "shequn.cli", "worker", "relay",  # noqa: S603
                                       "--interval", str(args.relay_interval),
                                       "--with-parent", str(os.getpid())])
    cmd = ["worker", "--loglevel", args.loglevel, "--pool", args.pool, "-Q", queue_name(),
           "--without-gossip", "--without-mingle"]
    if args.concurrency:
        cmd += ["--concurrency", str(args.concurrency)]
    if args.hostname:
        cmd += ["--hostname", args.hostname]
    if args.beat:
        cmd += ["--beat"]
    try:
        app.worker_main(cmd)
    finally:
        if relay_proc is not None:
            relay_proc.terminate()
            try:
                relay_proc.wait(10)
            except subprocess.TimeoutExpired:
                relay_proc.kill()
    return 0
