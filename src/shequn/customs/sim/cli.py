"""``shequn customs-sim``: run the single-window simulator as its own process.

    shequn customs-sim --host 127.0.0.1 --port 8790 --callback URL [--callback-token T]
                       [--config file.json]
                       [--delay S] [--reject-rate R] [--review-rate R] [--inspection-rate R]
                       [--hold-reject-rate R] [--duplicate-rate R] [--reorder-window N]
                       [--reorder-jitter S] [--drop-rate R] [--drop-after-processing]
                       [--seed N] [--trusted-cert PEM]... [--accept-unsigned] [--wrap-dxp]
                       [--emit-sent-status] [--cancel-after-release]
                       [--snapshot FILE] [--tick-interval S] [--print-config]

Settings come from defaults, then ``--config`` JSON (any ``SimConfig`` field, plus
``delay``), then ``SHEQUN_SIM_<FIELD>`` environment variables, then the flags.
"""

from __future__ import annotations

import argparse
import json
import logging
import signal
import sys
from dataclasses import replace
from typing import Any

from shequn.customs.sim.config import SimConfig, from_env, from_json
from shequn.customs.sim.delivery import HttpDelivery
from shequn.customs.sim.server import SimServer
from shequn.customs.sim.window import SingleWindow

# flag → SimConfig field, for the flags that map one to one
_FLAGS = {"callback": "callback_url", "callback_token": "callback_token",
          "reject_rate": "reject_rate",
          "review_rate": "review_rate", "inspection_rate": "inspection_rate",
          "hold_reject_rate": "hold_reject_rate",
          "duplicate_rate": "duplicate_rate", "reorder_window": "reorder_window",
          "reorder_jitter": "reorder_jitter", "drop_rate": "drop_rate", "seed": "seed",
          "snapshot": "snapshot_path", "tick_interval": "tick_interval"}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="shequn customs-sim",
                                description="customs single-window simulator (HTTP)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8790)
    p.add_argument("--callback", help="URL receipts are POSTed to")
    p.add_argument("--callback-token",
                   help="bearer token sent with every receipt (or SHEQUN_SIM_CALLBACK_TOKEN)")
    p.add_argument("--config", help="JSON file with SimConfig fields")
    p.add_argument("--delay", type=float, help="seconds between every customs step")
    for name in ("reject_rate", "review_rate", "inspection_rate", "hold_reject_rate",
                 "duplicate_rate",
                 "drop_rate", "reorder_jitter", "tick_interval"):
        p.add_argument("--" + name.replace("_", "-"), type=float)
    p.add_argument("--reorder-window", type=int)
    p.add_argument("--seed", type=int)
    p.add_argument("--snapshot", help="JSON snapshot file (state survives restarts)")
    p.add_argument("--trusted-cert", action="append", default=[],
                   help="PEM file of a certificate allowed to sign 621/623/625")
    p.add_argument("--accept-unsigned", action="store_true", default=None,
                   help="skip signature verification")
    p.add_argument("--drop-after-processing", action="store_true", default=None)
    p.add_argument("--wrap-dxp", action="store_true", default=None,
                   help="deliver receipts inside a DxpMsg envelope")
    p.add_argument("--emit-sent-status", action="store_true", default=None,
                   help="621: also send status 3 (发送海关成功)")
    p.add_argument("--cancel-after-release", action="store_true", default=None,
                   help="allow CEB623 after 800 (default: -623005)")
    p.add_argument("--print-config", action="store_true",
                   help="print the effective configuration and exit")
    return p


def build_config(args: argparse.Namespace, env: dict[str, str] | None = None) -> SimConfig:
    config = SimConfig()
    if args.config:
        config = from_json(args.config, config)
    config = from_env(env, config)
    changes: dict[str, Any] = {field: getattr(args, flag) for flag, field in _FLAGS.items()
                               if getattr(args, flag) is not None}
    for flag in ("accept_unsigned", "drop_after_processing", "wrap_dxp", "emit_sent_status",
                 "cancel_after_release"):
        if getattr(args, flag):
            changes[flag] = True
    if args.trusted_cert:
        changes["trusted_certs"] = (*config.trusted_certs, *args.trusted_cert)
    if args.delay is not None:
        config = config.with_delay(args.delay)
    return replace(config, **changes)


def main(argv: list[str]) -> int:
    args = parser().parse_args(argv)
    try:
        config = build_config(args)
    except (OSError, ValueError) as exc:
        print(f"customs-sim: {exc}", file=sys.stderr)
        return 2
    if args.print_config:
        shown = config.to_dict()
        if shown.get("callback_token"):
            shown["callback_token"] = "***"  # a secret: never printed
        print(json.dumps(shown, ensure_ascii=False, indent=2))
        return 0
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        deliver = HttpDelivery(config.callback_url, wrap=config.wrap_dxp,
                               sender_id=config.sender_id, timeout=config.http_timeout,
                               token=config.callback_token) \
            if config.callback_url else None
        window = SingleWindow(config, deliver=deliver)
        server = SimServer(window, args.host, args.port)
    except (OSError, ValueError) as exc:
        print(f"customs-sim: {exc}", file=sys.stderr)
        return 2
    print(f"customs-sim listening on {server.url} → {config.callback_url or '(no callback)'}",
          flush=True)
    signal.signal(signal.SIGTERM, lambda *_: server.request_stop())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0
