"""Simulator configuration: JSON, environment and CLI flags, in that precedence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shequn.customs.sim.cli import build_config, parser
from shequn.customs.sim.config import SimConfig, from_env, from_json, from_mapping


def test_json_then_env_then_flags(tmp_path: Path) -> None:
    path = tmp_path / "sim.json"
    path.write_text(json.dumps({"delay": 3, "reject_rate": 0.2, "review_rate": 0.1,
                                "ct_rates": {"3304": "0.15"}, "reject_reasons": ["a", "b"]}))
    args = parser().parse_args(["--config", str(path), "--reject-rate", "0.5",
                                "--callback", "http://127.0.0.1:9/cb", "--accept-unsigned"])
    config = build_config(args, env={"SHEQUN_SIM_REVIEW_RATE": "0.3",
                                     "SHEQUN_SIM_DUPLICATE_RATE": "0.4"})
    assert config.check_delay == 3.0 and config.close_delay == 3.0
    assert config.reject_rate == 0.5            # flag beats JSON
    assert config.review_rate == 0.3            # env beats JSON
    assert config.duplicate_rate == 0.4
    assert config.ct_rates == {"3304": "0.15"}
    assert config.reject_reasons == ("a", "b")
    assert config.callback_url == "http://127.0.0.1:9/cb"
    assert config.accept_unsigned is True
    assert build_config(parser().parse_args(["--delay", "7"]), env={}).release_delay == 7.0


def test_env_types_are_coerced() -> None:
    config = from_env({"SHEQUN_SIM_ACCEPT_UNSIGNED": "true", "SHEQUN_SIM_SEED": "42",
                       "SHEQUN_SIM_TRUSTED_CERTS": "/a.pem,/b.pem", "OTHER": "x"})
    assert config.accept_unsigned is True and config.seed == 42
    assert config.trusted_certs == ("/a.pem", "/b.pem")
    assert from_env({}) == SimConfig()


def test_unknown_setting_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="rejct_rate"):
        from_mapping({"rejct_rate": 1})
    path = tmp_path / "bad.json"
    path.write_text("{\"nope\": 1}")
    with pytest.raises(ValueError):
        from_json(path)


def test_cli_refuses_bad_settings(capsys: pytest.CaptureFixture[str]) -> None:
    from shequn.customs.sim.cli import main

    assert main(["--port", "0", "--trusted-cert", "/nonexistent/cert.pem"]) == 2
    assert main(["--port", "0", "--callback", "ftp://example"]) == 2
    assert "http(s)" in capsys.readouterr().err
    assert main(["--print-config", "--delay", "1.5"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed["release_delay"] == 1.5
