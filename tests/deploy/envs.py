"""Environments for the mode tests: a complete staging env made by
``shequn secrets generate``'s own function, with real key files."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from shequn.core import envconfig

ROOT = Path(__file__).resolve().parents[2]


def staging_env(tmp: Path) -> dict[str, str]:
    key, cert = tmp / "ceb.key", tmp / "ceb.crt"
    key.write_text("key")
    cert.write_text("cert")
    env: dict[str, str] = {}
    for line in envconfig.generate("staging", str(key), str(cert)).splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            env[name] = value
    # Tests switch this env to production, where printed QR codes must be https.
    env["SHEQUN_VERIFY_BASE_URL"] = "https://verify.staging.example.com"
    return env


def run_manage(args: list[str], env: dict[str, str], tmp: Path) -> subprocess.CompletedProcess:
    """``manage.py ARGS`` in a clean environment (only PATH and ``env``)."""
    full = {"PATH": os.environ.get("PATH", ""), "SHEQUN_VAR_DIR": str(tmp / "var"), **env}
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=full,
                          capture_output=True, text=True, timeout=120, cwd=tmp)
