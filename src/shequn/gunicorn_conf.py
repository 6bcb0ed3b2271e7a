"""gunicorn configuration (staging and production web processes).

    gunicorn -c python:shequn.gunicorn_conf shequn.wsgi

Environment (all optional):
    SHEQUN_BIND               address(es) to listen on, comma-separated (127.0.0.1:8000)
    SHEQUN_WEB_WORKERS        worker processes (2 x cores + 1, at most 12)
    SHEQUN_WEB_THREADS        threads per worker; > 1 uses the gthread worker (1: sync)
    SHEQUN_WEB_TIMEOUT        seconds a request may take before its worker is replaced (30)
    SHEQUN_WEB_GRACEFUL_TIMEOUT  seconds to finish requests on stop/reload (30)
    SHEQUN_WEB_KEEPALIVE      seconds to keep an idle connection from the proxy (5)
    SHEQUN_WEB_MAX_REQUESTS   requests before a worker is recycled (2000; 0 = never),
                              with up to 10 % random jitter so they do not recycle together
    SHEQUN_TRUSTED_PROXIES    proxies allowed to set X-Forwarded-Proto (127.0.0.1,::1)
    SHEQUN_WEB_CONTROL_SOCKET path of gunicorn's control socket (gunicornc); off when unset
    SHEQUN_LOG_FORMAT         json | plain; json by default in staging and production
    SHEQUN_METRICS            0 switches the multiprocess metrics directory off (1)
    PROMETHEUS_MULTIPROC_DIR  where workers keep their metric files; a fresh temporary
                              directory when unset. Emptied when the server starts.

The access log shows the path without its query string (query strings can
carry phone numbers and tokens), the status, the duration and the request id.
"""

from __future__ import annotations

import glob
import os
import shutil
import tempfile
from typing import Any

_TRUE = {"1", "true", "yes", "on"}


def _int(name: str, default: int, low: int = 0) -> int:
    raw = os.environ.get(name, "").strip()
    try:
        value = int(raw) if raw else default
    except ValueError as exc:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from exc
    return max(low, value)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))  # what this process may use (containers, taskset)
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def default_workers(cores: int) -> int:
    """2 x cores + 1 (one waiting on I/O while another computes), capped: past
    a dozen processes per host the database's connections run out first."""
    return max(2, min(2 * cores + 1, 12))


def _list(name: str, default: str) -> list[str]:
    return [p.strip() for p in os.environ.get(name, default).split(",") if p.strip()]


# --------------------------------------------------------------------------- server

wsgi_app = "shequn.wsgi:application"
bind = _list("SHEQUN_BIND", "127.0.0.1:8000")
workers = _int("SHEQUN_WEB_WORKERS", default_workers(_cores()), low=1)
threads = _int("SHEQUN_WEB_THREADS", 1, low=1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = _int("SHEQUN_WEB_TIMEOUT", 30, low=1)
graceful_timeout = _int("SHEQUN_WEB_GRACEFUL_TIMEOUT", 30, low=1)
keepalive = _int("SHEQUN_WEB_KEEPALIVE", 5, low=1)
max_requests = _int("SHEQUN_WEB_MAX_REQUESTS", 2000)
max_requests_jitter = max_requests // 10
# Heartbeat files on a memory file system: a slow disk must not get workers killed.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108
forwarded_allow_ips = ",".join(_list("SHEQUN_TRUSTED_PROXIES", "127.0.0.1,::1"))
proc_name = "shequn-web"
# gunicorn >= 25 opens a control socket in $HOME by default: shared by every
# instance on the host and able to change workers. Only where asked for.
_control_socket = os.environ.get("SHEQUN_WEB_CONTROL_SOCKET", "").strip()
control_socket_disable = not _control_socket
if _control_socket:
    control_socket = _control_socket
# Bounded request heads (gunicorn's defaults, stated so they are not lost).
limit_request_line = 4094
limit_request_fields = 100

# --------------------------------------------------------------------------- logs

_env = os.environ.get("SHEQUN_ENV", "demo")
_json_logs = os.environ.get(
    "SHEQUN_LOG_FORMAT", "json" if _env in ("staging", "production") else "plain") == "json"

errorlog = "-"
loglevel = os.environ.get("SHEQUN_LOG", "info").lower()
# %(U)s is the path alone; never %(r)s / %(q)s / %(f)s (query strings, referers).
access_log_format = ('%(h)s "%({x-forwarded-for}i)s" %(m)s %(U)s %(s)s %(B)s %(M)sms '
                     'rid=%({x-request-id}o)s "%(a)s"')
accesslog: str | None = "-"
logconfig_dict: dict[str, Any] = {}
if _json_logs:
    accesslog = None  # the access records go through the JSON handler below
    logconfig_dict = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "shequn.core.logjson.JsonFormatter"}},
        "filters": {"pii": {"()": "shequn.core.requestid.PiiMaskFilter"}},
        "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "json",
                                 "filters": ["pii"], "stream": "ext://sys.stdout"}},
        "root": {"level": "INFO", "handlers": ["console"]},
        "loggers": {
            "gunicorn.error": {"level": loglevel.upper(), "handlers": ["console"],
                               "propagate": False},
            "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        },
    }

# --------------------------------------------------------------------------- metrics

# Multiprocess metrics need the directory in the environment before any worker
# imports prometheus_client, so it is set when this file is read (the master,
# before it forks or preloads). A reload reads this file again and keeps it.
METRICS = os.environ.get("SHEQUN_METRICS", "1").strip().lower() in _TRUE
_OWN_DIR_ENV = "SHEQUN_PROMETHEUS_OWN_DIR"  # set when we made a temporary directory
if METRICS and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = tempfile.mkdtemp(prefix="shequn-prometheus-")
    os.environ[_OWN_DIR_ENV] = os.environ["PROMETHEUS_MULTIPROC_DIR"]


def prepare_metrics_dir(path: str) -> None:
    """Create the directory and remove files a previous run left: counters
    from dead processes would otherwise be added to the new ones forever."""
    os.makedirs(path, exist_ok=True)
    for stale in glob.glob(os.path.join(path, "*.db")):
        os.remove(stale)


# --------------------------------------------------------------------------- hooks

def on_starting(server: Any) -> None:
    # A refused configuration stops the master before it forks: one clean list of
    # problems and exit 2, rather than every worker failing to boot with a traceback.
    from shequn.core import envconfig

    found = envconfig.problems(os.environ)
    if found:
        import sys

        print(str(envconfig.ConfigurationRefused(envconfig.mode_of(os.environ), found)),
              file=sys.stderr)
        sys.exit(2)
    # Once per master start (not on reload: live workers still write there).
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if METRICS and path:
        prepare_metrics_dir(path)
        server.log.info("metrics: multiprocess directory %s", path)


def child_exit(server: Any, worker: Any) -> None:
    # A dead worker's live gauges (requests in progress) must not linger.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    own = os.environ.get(_OWN_DIR_ENV)
    if own and own == os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shutil.rmtree(own, ignore_errors=True)
