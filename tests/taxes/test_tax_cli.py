"""``shequn tax quote``: via main() and as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from shequn.taxes.cli import main

ROOT = Path(__file__).resolve().parents[2]
SHEQUN = ROOT / ".venv" / "bin" / "shequn"

EX1 = {"lines": [{"name": "面霜", "qty": 1, "unit_price": "480", "vat_rate": "0.13",
                  "consumption_tax_rate": "0.15"}], "freight": "20"}


def run(stdin: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SHEQUN), "tax", "quote", *(args or ("-",))], input=stdin,
                          capture_output=True, text=True, timeout=60, encoding="utf-8")


@pytest.mark.skipif(not SHEQUN.exists(), reason="console script not installed")
def test_subprocess_stdin_ok():
    proc = run(json.dumps(EX1, ensure_ascii=False))
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["regime"] == "cbec"
    assert out["code"] is None
    assert (out["consumption_tax"], out["vat"], out["tax_total"]) == ("61.76", "53.53",
                                                                      "115.29")
    assert out["lines"][0]["name"] == "面霜"
    assert "面霜" in proc.stdout  # ensure_ascii=False


@pytest.mark.skipif(not SHEQUN.exists(), reason="console script not installed")
def test_subprocess_invalid_exit_2():
    proc = run('{"lines": [{"name": "x", "qty": 0, "unit_price": "1", "vat_rate": "0.13"}]}')
    assert proc.returncode == 2
    err = json.loads(proc.stdout)
    assert err["code"] == "invalid_qty"
    assert err["message"]


@pytest.mark.skipif(not SHEQUN.exists(), reason="console script not installed")
def test_subprocess_refused_is_exit_0():
    body = {"lines": [{"name": "a", "qty": 1, "unit_price": "2500", "vat_rate": "0.13"}],
            "annual_used": "24000"}
    proc = run(json.dumps(body))
    assert proc.returncode == 0
    out = json.loads(proc.stdout)
    assert (out["regime"], out["code"]) == ("refused", "over_annual_limit")


def test_tax_cli_does_not_import_django():
    code = ("import sys, io; sys.stdin = io.TextIOWrapper(io.BytesIO(sys.argv[1].encode()));"
            "from shequn.cli import main; rc = main(['tax', 'quote', '-']);"
            "assert rc == 0, rc;"
            "assert not [m for m in sys.modules if m.split('.')[0] in ('django', 'ninja')]")
    proc = subprocess.run([sys.executable, "-c", code, json.dumps(EX1)], capture_output=True,
                          text=True, timeout=60, cwd=ROOT, env={"PYTHONPATH": str(ROOT / "src")})
    assert proc.returncode == 0, proc.stderr


def test_main_with_file(tmp_path, capsys):
    path = tmp_path / "q.json"
    path.write_text(json.dumps(EX1), encoding="utf-8")
    assert main(["quote", str(path)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["tax_total"] == "115.29"
    assert out["lines"][0]["taxable_price"] == "500.00"


def test_main_json_numbers_parsed_exactly(tmp_path, capsys):
    # 0.1 + 0.2 as binary floats would not be 0.3; parsed as Decimal they are.
    path = tmp_path / "q.json"
    path.write_text('{"lines": [{"name": "a", "qty": 1, "unit_price": 0.1, "vat_rate": 0.13},'
                    ' {"name": "b", "qty": 1, "unit_price": 0.2, "vat_rate": 0.13}]}')
    assert main(["quote", str(path)]) == 0
    assert json.loads(capsys.readouterr().out)["taxable_total"] == "0.30"


@pytest.mark.parametrize(("text", "code"), [
    ("{not json", "malformed_json"),
    ('{"lines": [{"name": "a", "qty": 1, "unit_price": NaN, "vat_rate": "0.13"}]}',
     "malformed_json"),
    ('{"lines": []}', "no_lines"),
    ('{"freight": "1"}', "missing_field"),
    ('{"lines": [{"name": "a", "qty": 1, "unit_price": "abc", "vat_rate": "0.13"}]}',
     "invalid_number"),
])
def test_main_invalid_input(tmp_path, capsys, text, code):
    path = tmp_path / "q.json"
    path.write_text(text)
    assert main(["quote", str(path)]) == 2
    err = json.loads(capsys.readouterr().out)
    assert err["code"] == code
    assert err["message"] and err["message_en"]


def test_main_missing_file(tmp_path, capsys):
    assert main(["quote", str(tmp_path / "nope.json")]) == 2
    assert json.loads(capsys.readouterr().out)["code"] == "unreadable_file"


def test_main_usage(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err
    assert main(["quote", "a", "b"]) == 2
    assert main(["--help"]) == 0
