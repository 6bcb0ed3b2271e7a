"""`make demo PORT=…` serves on that port and seed_demo prints links with it."""

from __future__ import annotations

import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[2]


def _seed(*args: str) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out, skip_checks=True)
    return out.getvalue()


def test_links_use_the_given_port():
    text = _seed("--port", "8123")
    assert "http://127.0.0.1:8123/s/xiaolin/" in text and "http://127.0.0.1:8123/t/" in text
    assert "127.0.0.1:8000" not in text


def test_links_use_shequn_demo_port(monkeypatch):
    monkeypatch.setenv("SHEQUN_DEMO_PORT", "9001")
    assert "http://127.0.0.1:9001/leader/" in _seed()
    monkeypatch.delenv("SHEQUN_DEMO_PORT")
    assert "http://127.0.0.1:8000/leader/" in _seed()


def test_a_base_url_wins_and_bad_ports_are_refused(monkeypatch):
    assert "https://demo.example/ops/" in _seed("--port", "8123",
                                                "--base-url", "https://demo.example/")
    with pytest.raises(CommandError, match="between 1 and 65535"):
        _seed("--port", "70000")
    monkeypatch.setenv("SHEQUN_DEMO_PORT", "eighty")
    with pytest.raises(CommandError, match="SHEQUN_DEMO_PORT"):
        _seed()


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_demo_passes_the_port_to_seed_and_server():
    plan = subprocess.run(["make", "-n", "demo", "PORT=8123"], cwd=ROOT, check=True,
                          capture_output=True, text=True).stdout
    assert "seed_demo --port 8123" in plan and "runserver 127.0.0.1:8123" in plan
    default = subprocess.run(["make", "-n", "demo"], cwd=ROOT, check=True,
                             capture_output=True, text=True).stdout
    assert "seed_demo --port 8000" in default and "runserver 127.0.0.1:8000" in default
