"""The gunicorn configuration module, and gunicorn itself with two workers:
request metrics summed over the workers, access log lines with the request id
and without query strings."""

from __future__ import annotations

import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from gunicorn.config import Config
from prometheus_client.parser import text_string_to_metric_families

ROOT = Path(__file__).resolve().parents[2]
CONF = "shequn.gunicorn_conf"
RUNTIME_ENV = ("SHEQUN_BIND", "SHEQUN_WEB_WORKERS", "SHEQUN_WEB_THREADS", "SHEQUN_WEB_TIMEOUT",
               "SHEQUN_WEB_MAX_REQUESTS", "SHEQUN_TRUSTED_PROXIES", "SHEQUN_LOG_FORMAT",
               "SHEQUN_ENV", "SHEQUN_METRICS", "SHEQUN_PROMETHEUS_OWN_DIR")


def _load(monkeypatch, tmp_path, **env: str):
    """The config module read afresh under ``env`` (the process environment is
    restored by monkeypatch afterwards, whatever the module set)."""
    for name in RUNTIME_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path / "prom"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    sys.modules.pop(CONF, None)
    module = importlib.import_module(CONF)
    sys.modules.pop(CONF, None)
    return module


def _gunicorn_config(module) -> Config:
    """Apply the module the way gunicorn does: every setting passes its validator."""
    cfg = Config()
    for name, value in vars(module).items():
        if name in cfg.settings:
            cfg.set(name, value)
    return cfg


def test_defaults_are_sane(monkeypatch, tmp_path):
    conf = _load(monkeypatch, tmp_path)
    cfg = _gunicorn_config(conf)
    assert cfg.bind == ["127.0.0.1:8000"]
    assert 2 <= cfg.workers <= 12
    assert cfg.workers == conf.default_workers(conf._cores())
    assert cfg.worker_class_str == "sync"
    assert cfg.timeout == 30 and cfg.graceful_timeout == 30
    assert cfg.max_requests == 2000 and 0 < cfg.max_requests_jitter < cfg.max_requests
    assert cfg.forwarded_allow_ips == ["127.0.0.1", "::1"]
    fmt = cfg.access_log_format
    assert "%(U)s" in fmt and "%({x-request-id}o)s" in fmt
    for leaky in ("%(r)s", "%(q)s", "%(f)s"):  # request line, query string, referer
        assert leaky not in fmt
    assert callable(conf.child_exit) and callable(conf.on_starting)
    assert cfg.control_socket_disable is True  # no shared socket in $HOME


def test_worker_count_is_capped(monkeypatch, tmp_path):
    conf = _load(monkeypatch, tmp_path)
    assert conf.default_workers(1) == 3
    assert conf.default_workers(4) == 9
    assert conf.default_workers(64) == 12


def test_environment_is_read(monkeypatch, tmp_path):
    conf = _load(monkeypatch, tmp_path, SHEQUN_BIND="0.0.0.0:18001,unix:/tmp/shequn.sock",
                 SHEQUN_WEB_WORKERS="3", SHEQUN_WEB_THREADS="4",
                 SHEQUN_TRUSTED_PROXIES="10.0.0.0/8, 192.0.2.1", SHEQUN_WEB_MAX_REQUESTS="0")
    cfg = _gunicorn_config(conf)
    assert cfg.bind == ["0.0.0.0:18001", "unix:/tmp/shequn.sock"]
    assert cfg.workers == 3
    assert cfg.threads == 4 and cfg.worker_class_str == "gthread"
    assert cfg.max_requests == 0 and cfg.max_requests_jitter == 0
    assert cfg.forwarded_allow_ips == ["10.0.0.0/8", "192.0.2.1"]


def test_bad_number_is_refused_with_the_variable_named(monkeypatch, tmp_path):
    with pytest.raises(SystemExit, match="SHEQUN_WEB_WORKERS"):
        _load(monkeypatch, tmp_path, SHEQUN_WEB_WORKERS="many")


def test_json_logs_outside_demo(monkeypatch, tmp_path):
    plain = _load(monkeypatch, tmp_path)
    assert plain.accesslog == "-" and not plain.logconfig_dict
    conf = _load(monkeypatch, tmp_path, SHEQUN_ENV="production")
    cfg = _gunicorn_config(conf)
    assert cfg.accesslog is None
    assert cfg.logconfig_dict["formatters"]["json"]["()"] == "shequn.core.logjson.JsonFormatter"
    assert set(cfg.logconfig_dict["loggers"]) == {"gunicorn.error", "gunicorn.access"}


def test_an_application_record_is_written_once_under_gunicorn(monkeypatch, tmp_path, capsys,
                                                              settings):
    """Gunicorn's JSON configuration gives the root logger a handler; Django's
    settings give the ``shequn`` loggers theirs. A record must not reach both
    (every line of the application was written twice, once per handler)."""
    import logging
    import logging.config

    conf = _load(monkeypatch, tmp_path, SHEQUN_ENV="production")
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        logging.config.dictConfig(conf.logconfig_dict)   # the master, at start
        logging.config.dictConfig(settings.LOGGING)      # the worker's django.setup()
        logging.getLogger("shequn.probe").warning("one line of the application")
        captured = capsys.readouterr()
        assert (captured.out + captured.err).count("one line of the application") == 1
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)
        logging.config.dictConfig(settings.LOGGING)
        logging.getLogger("shequn").propagate = True  # as tests/conftest.py sets it


def test_metrics_directory_is_made_when_unset(monkeypatch, tmp_path):
    for name in RUNTIME_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    sys.modules.pop(CONF, None)
    try:
        conf = importlib.import_module(CONF)
        made = os.environ["PROMETHEUS_MULTIPROC_DIR"]
        assert Path(made).is_dir()
        conf.on_exit(None)  # removes the directory it made
        assert not Path(made).exists()
    finally:
        sys.modules.pop(CONF, None)
        os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)
        os.environ.pop("SHEQUN_PROMETHEUS_OWN_DIR", None)


def test_metrics_off(monkeypatch, tmp_path):
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR", raising=False)
    for name in RUNTIME_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SHEQUN_METRICS", "0")
    sys.modules.pop(CONF, None)
    try:
        conf = importlib.import_module(CONF)
        assert conf.METRICS is False
        assert "PROMETHEUS_MULTIPROC_DIR" not in os.environ
    finally:
        sys.modules.pop(CONF, None)


class _Log:
    def info(self, *args):
        pass


class _Server:
    log = _Log()


class _Worker:
    def __init__(self, pid: int) -> None:
        self.pid = pid


def test_start_cleans_the_directory_and_a_dead_worker_is_marked(monkeypatch, tmp_path):
    conf = _load(monkeypatch, tmp_path)
    prom = tmp_path / "prom"
    prom.mkdir()
    (prom / "counter_999.db").write_bytes(b"stale")
    conf.on_starting(_Server())
    assert list(prom.iterdir()) == []
    (prom / "gauge_livesum_4242.db").write_bytes(b"")
    (prom / "counter_4242.db").write_bytes(b"")
    conf.child_exit(_Server(), _Worker(4242))
    # Live gauges of the dead worker go; its counters stay (they are totals).
    assert sorted(p.name for p in prom.iterdir()) == ["counter_4242.db"]


# --------------------------------------------------------------------------- real gunicorn

def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers={"Connection": "close"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def _healthz_count(base: str) -> float:
    status, _, body = _get(base + "/metrics")
    assert status == 200, body
    for family in text_string_to_metric_families(body.decode()):
        for s in family.samples:
            if (s.name == "shequn_http_requests_total" and s.labels.get("route") == "healthz"
                    and s.labels.get("status") == "200"):
                return s.value
    return 0.0


@pytest.fixture
def gunicorn_server(tmp_path):
    port = _free_port()
    prom = tmp_path / "prom"
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SHEQUN_", "PROMETHEUS_", "DATABASE_URL", "REDIS_URL",
                                "BROKER_URL", "DJANGO_"))}
    env.update(SHEQUN_BIND=f"127.0.0.1:{port}", SHEQUN_WEB_WORKERS="2",
               SHEQUN_LOG_FORMAT="json", SHEQUN_VAR_DIR=str(tmp_path / "var"),
               PROMETHEUS_MULTIPROC_DIR=str(prom),
               DJANGO_SETTINGS_MODULE="tests.runtime.gunicorn_settings",
               PYTHONPATH=os.pathsep.join([str(ROOT), str(ROOT / "src")]))
    log = tmp_path / "gunicorn.log"
    # Appending (O_APPEND): the master and both workers write lines into this
    # one file, and each write lands whole at its end.
    with log.open("ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", f"python:{CONF}", "shequn.wsgi"],
            cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if _get(base + "/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("gunicorn did not start:\n" + log.read_text())
                time.sleep(0.2)
            yield base, prom, log
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_gunicorn_two_workers_sum_metrics_and_log_json(gunicorn_server):
    base, prom, log = gunicorn_server
    before = _healthz_count(base)
    ids = set()
    for _ in range(20):
        status, headers, body = _get(base + "/healthz?phone=13912345678")
        assert status == 200 and json.loads(body) == {"status": "ok", "checks": {}}
        ids.add(headers["X-Request-ID"])
    # Whichever worker answers the scrape, it reports every worker's requests.
    for _ in range(4):
        assert _healthz_count(base) - before == 20
    assert len(ids) == 20
    # Both workers keep metric files.
    assert len(list(prom.glob("gauge_livesum_*.db"))) == 2
    status, _, body = _get(base + "/readyz")
    assert status == 200, body
    # The workers write access lines after answering; on a loaded machine (CI
    # runs two test passes side by side) that can take longer than a fixed pause.
    deadline = time.monotonic() + 15
    while True:
        lines = [_json_or_none(line) for line in log.read_text().splitlines()
                 if line.startswith("{")]
        access = [line for line in lines if line and line["logger"] == "gunicorn.access"]
        logged = {line.get("request_id") for line in access if line.get("path") == "/healthz"}
        if ids <= logged or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert ids <= logged
    assert "13912345678" not in log.read_text()


def _json_or_none(line: str) -> dict | None:
    """A log line, or None while its writer is still in the middle of it."""
    try:
        return json.loads(line)
    except json.JSONDecodeError:
        return None
