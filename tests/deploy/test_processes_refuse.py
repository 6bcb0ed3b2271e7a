"""The refusals seen from outside: manage.py and `shequn` exit non-zero with
one line per problem; a generated staging env passes `check --deploy`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from shequn.core import envconfig

from .envs import run_manage, staging_env

pytestmark = pytest.mark.filterwarnings("ignore")


def test_staging_without_secrets_exits_naming_each_variable(tmp_path):
    r = run_manage(["check"], {"SHEQUN_ENV": "staging"}, tmp_path)
    assert r.returncode != 0
    for name in ("SHEQUN_SECRET_KEY", "SHEQUN_PII_KEY", "SHEQUN_ALLOWED_HOSTS", "REDIS_URL",
                 "SHEQUN_CUSTOMS_RECEIPT_TOKEN", "SHEQUN_PAYMENT_SECRET"):
        assert sum(line.strip().startswith(f"- {name}:") for line in r.stderr.splitlines()) == 1
    assert "Traceback" not in r.stderr


def test_staging_with_demo_secret_key_exits(tmp_path):
    env = staging_env(tmp_path) | {"SHEQUN_SECRET_KEY": envconfig.DEMO_SECRET_KEY}
    r = run_manage(["check"], env, tmp_path)
    assert r.returncode != 0 and "SHEQUN_SECRET_KEY: is the published demo value" in r.stderr


def test_generated_staging_env_passes_check_deploy(tmp_path):
    r = run_manage(["check", "--deploy", "--fail-level", "WARNING"], staging_env(tmp_path),
                   tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "no issues" in r.stdout


def test_production_with_a_simulator_refuses_to_start(tmp_path):
    env = staging_env(tmp_path) | {"SHEQUN_ENV": "production"}
    r = run_manage(["check"], env, tmp_path)
    assert r.returncode != 0
    assert "SHEQUN_SMS_PROVIDER: the SMS port is configured to a simulator" in r.stderr


def test_shequn_command_and_wsgi_refuse_too(tmp_path):
    shequn = Path(sys.executable).with_name("shequn")
    env = {"PATH": os.environ.get("PATH", ""), "SHEQUN_ENV": "production",
           "SHEQUN_VAR_DIR": str(tmp_path)}
    r = subprocess.run([str(shequn), "migrate"], env=env, capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 2 and "SHEQUN_SECRET_KEY: missing" in r.stderr
    # What gunicorn and the Celery worker import fails the same way.
    for module in ("shequn.wsgi", "shequn.core.celery_app"):
        r = subprocess.run([sys.executable, "-c", f"import {module}"], env=env,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode != 0 and "SHEQUN_SECRET_KEY: missing" in r.stderr, module


def test_secrets_generate_prints_a_complete_env(tmp_path):
    shequn = Path(sys.executable).with_name("shequn")
    r = subprocess.run([str(shequn), "secrets", "generate", "--env", "staging", "--key-dir",
                        str(tmp_path / "keys")], capture_output=True, text=True, timeout=60,
                       env={"PATH": os.environ.get("PATH", "")})
    assert r.returncode == 0, r.stderr
    env = dict(line.split("=", 1) for line in r.stdout.splitlines()
               if line and not line.startswith("#"))
    assert env["SHEQUN_ENV"] == "staging"
    assert (tmp_path / "keys" / "ceb-sign.key").stat().st_mode & 0o077 == 0
    assert envconfig.problems(env) == []


def test_gunicorn_refuses_before_forking_workers(tmp_path):
    gunicorn = Path(sys.executable).with_name("gunicorn")
    env = staging_env(tmp_path) | {"SHEQUN_ENV": "production",
                                   "SHEQUN_BIND": "127.0.0.1:0", "SHEQUN_WEB_WORKERS": "1"}
    r = subprocess.run([str(gunicorn), "-c", "python:shequn.gunicorn_conf", "shequn.wsgi"],
                       env=env, capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert r.returncode == 2, r.stderr[-2000:]
    assert "SHEQUN_PAYMENT_PROVIDER: the payment port is configured to a simulator" in r.stderr
    assert "Traceback" not in r.stderr and "Booting worker" not in r.stderr


def test_staging_keeps_sessions_in_redis_and_demo_in_the_database(tmp_path):
    show = ["shell", "-c", "from django.conf import settings; print(settings.SESSION_ENGINE)"]
    staging = run_manage(show, staging_env(tmp_path), tmp_path)
    assert staging.returncode == 0, staging.stderr
    assert staging.stdout.strip().splitlines()[-1] == "django.contrib.sessions.backends.cache"
    demo = run_manage(show, {}, tmp_path)
    assert demo.stdout.strip().splitlines()[-1] == "django.contrib.sessions.backends.db"
